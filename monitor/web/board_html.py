"""The board (`GET /`), its live part (`GET /board/live`, what the page's script swaps in when
the stream says something changed), the Atom feeds and the badges.

Server-rendered (templates/, static/: no build step, nothing from a CDN). Without JavaScript
the page refreshes itself and the filter is a plain GET form (`?q=`). With more than
`FULL_LIMIT` pages, the pages in trouble are rendered in full and the rest summarized (a
filter shows the matching ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    copy_current_request_context,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from monitor import history
from monitor.badge import badge
from monitor.boardmodel import Board, ComponentView, PageView
from monitor.boardsource import BoardSource
from monitor.feeds import atom
from monitor.headline import all_clear, headlines
from monitor.output import human, status_text
from monitor.web.offload import os_threads
from monitor.web.renders import Renders

FULL_LIMIT = 300
RENDER_THREADS = 2
RECENT = 20
FEED_ENTRIES = 100
REFRESH_SECONDS = 30
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def board_html_blueprint(source: BoardSource, tz: ZoneInfo) -> Blueprint:
    html = Blueprint(
        "html",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/static/board",
    )

    @html.after_request
    def policy(response: Response) -> Response:
        """Everything the board loads is its own: no inline script, nothing from elsewhere."""
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    renders = Renders(os_threads(RENDER_THREADS))

    def page(template: str, fresh: bool) -> str:
        """The board rendered on an OS thread, not on the gevent hub (monitor.web.renders)."""
        board = source.board(fresh)
        query = request.args.get("q", "").strip()[:200]
        render = copy_current_request_context(
            lambda: render_template(template, **_context(source, board, query, tz))
        )
        return renders.text(board, (template, request.host_url, query), render, fresh)

    @html.get("/")
    def board() -> ResponseReturnValue:
        return page("board.html", fresh=False)

    @html.get("/board/live")
    def live() -> ResponseReturnValue:
        # The script asks with fresh=1 after a change it was told of: a board built after it.
        return page("_live.html", fresh=request.args.get("fresh") == "1")

    @html.get("/feed.atom")
    def feed() -> ResponseReturnValue:
        entries = source.log().recent[-FEED_ENTRIES:][::-1]
        body = atom(entries, "statusmon: all changes", _urn("all"), request.url, _home())
        return Response(body, mimetype="application/atom+xml")

    @html.get("/pages/<page_id>/feed.atom")
    def page_feed(page_id: str) -> ResponseReturnValue:
        page = source.page(page_id)
        if page is None:
            return jsonify(error=f"no page {page_id!r}"), 404
        entries = source.log().page(page_id).entries[-FEED_ENTRIES:][::-1]
        title = f"statusmon: {page.name}"
        return Response(
            atom(entries, title, _urn(f"page:{page_id}"), request.url, _home()),
            mimetype="application/atom+xml",
        )

    @html.get("/badge/<page_id>.svg")
    def page_badge(page_id: str) -> ResponseReturnValue:
        page = source.page(page_id)
        if page is None:
            return jsonify(error=f"no page {page_id!r}"), 404
        headers = {"Cache-Control": "no-cache, max-age=0"}
        return Response(badge(page.name, page.status), mimetype="image/svg+xml", headers=headers)

    return html


def _home() -> str:
    return url_for("board.html.board", _external=True)


def _urn(what: str) -> str:
    return f"urn:statusmon:feed:{what}"


def _context(source: BoardSource, board: Board, query: str, tz: ZoneInfo) -> dict[str, Any]:
    lines = headlines(board, tz)
    shown = _shown(board, query)
    now = datetime.fromtimestamp(board.at, UTC)
    return {
        "board": board,
        "headlines": lines,
        "all_clear": all_clear(board, lines),
        "query": query,
        "shown": shown,
        "hidden": len(board.pages) - len(shown),
        "bars": {p.id: _bars(source, p, now, tz) for p in shown},
        "recent": source.index.recent[-RECENT:][::-1],
        "human": human,
        "status_text": status_text,
        "local": lambda at: at.astimezone(tz),
        "clock": lambda ts: datetime.fromtimestamp(ts, tz).strftime("%H:%M:%S"),
        "groups": _groups,
        "affected": history.affected,
        "without_data": history.without_data,
        "refresh": REFRESH_SECONDS,
    }


def _shown(board: Board, query: str) -> Sequence[PageView]:
    if query:
        q = query.lower()
        return [p for p in board.pages if q in p.name.lower() or q in p.id.lower()][:FULL_LIMIT]
    if len(board.pages) <= FULL_LIMIT:
        return board.pages
    return board.trouble


def _groups(page: PageView) -> list[tuple[str, list[ComponentView]]]:
    """Components by group, in the page's order (ungrouped ones under "")."""
    found: dict[str, list[ComponentView]] = {}
    for c in page.components:
        found.setdefault(c.group or "", []).append(c)
    return list(found.items())


def _bars(
    source: BoardSource, page: PageView, now: datetime, tz: ZoneInfo
) -> dict[str, list[history.Day]]:
    log = source.index.page(page.id)
    since = None if page.first_seen is None else datetime.fromtimestamp(page.first_seen, UTC)
    return {
        c.id: history.days(log.component(c.id), c.status, now, tz, since=since)
        for c in page.components
    }
