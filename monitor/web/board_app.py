"""The board, its read API, stream, feeds and badges as one blueprint for the web app
(monitor.web.ingress registers it), behind BOARD_AUTH when set (monitor.web.board_auth)."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from gevent import monkey

from monitor import store
from monitor.boardsource import BoardSource, BoardUnavailable
from monitor.redact import redact_also
from monitor.settings import Settings
from monitor.web.api import api_blueprint
from monitor.web.board_auth import protect
from monitor.web.board_html import board_html_blueprint
from monitor.web.gcfreeze import freeze_when_warm
from monitor.web.offload import os_threads
from monitor.web.stream import Fanout

log = logging.getLogger("statusmon.board")


def board_blueprint(settings: Settings) -> Blueprint:
    # Its own client: the stream's XREAD blocks longer than the webhook path's socket timeout.
    r = store.connect(settings.redis, socket_connect_timeout=1, socket_timeout=15)
    builder = store.connect(settings.redis, socket_connect_timeout=1, socket_timeout=15)
    source = BoardSource(
        r,
        settings.web.stale_after,
        settings.events_retention_days,
        offload=os_threads(1),
        builder_redis=builder,
    )
    if monkey.is_module_patched("threading"):  # the web process: its first viewer won't wait
        source.warm()
        freeze_when_warm(source)
    board = Blueprint("board", __name__)

    @board.errorhandler(BoardUnavailable)
    def unavailable(exc: BoardUnavailable) -> ResponseReturnValue:
        log.warning("%s %s: %s (%s)", request.method, request.path, exc, exc.__cause__)
        return jsonify(error="the board is not available right now; try again shortly"), 503

    board.register_blueprint(api_blueprint(source, Fanout(r)))
    board.register_blueprint(board_html_blueprint(source, settings.tz))
    auth = settings.web.board_auth
    if auth:  # never in a log line either: the value, and each password of user:password
        redact_also([auth, *(pair.partition(":")[2] for pair in auth.split(","))])
    return protect(board, auth)
