"""The board, its read API, stream, feeds and badges as one blueprint for the web app
(monitor.web.ingress registers it), behind BOARD_AUTH when set (monitor.web.board_auth)."""

from __future__ import annotations

from flask import Blueprint

from monitor import store
from monitor.boardsource import BoardSource
from monitor.redact import redact_also
from monitor.settings import Settings
from monitor.web.api import api_blueprint
from monitor.web.board_auth import protect
from monitor.web.board_html import board_html_blueprint
from monitor.web.stream import Fanout


def board_blueprint(settings: Settings) -> Blueprint:
    # Its own client: the stream's XREAD blocks longer than the webhook path's socket timeout.
    r = store.connect(settings.redis, socket_connect_timeout=1, socket_timeout=15)
    source = BoardSource(r, settings.web.stale_after, settings.events_retention_days)
    board = Blueprint("board", __name__)
    board.register_blueprint(api_blueprint(source, Fanout(r)))
    board.register_blueprint(board_html_blueprint(source, settings.tz))
    auth = settings.web.board_auth
    if auth:  # never in a log line either: the value, and each password of user:password
        redact_also([auth, *(pair.partition(":")[2] for pair in auth.split(","))])
    return protect(board, auth)
