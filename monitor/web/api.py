"""The read API, `/api/v1/…` (docs/board.md): pages, one page, the event log, a Statuspage
summary of everything, and the live stream (monitor.web.stream). Errors are `{"error": …}`
with their status code; the answers come from monitor.views and monitor.summary."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue

from monitor.boardsource import BoardSource
from monitor.summary import summary
from monitor.views import BadRequest, events, page_detail, page_row
from monitor.web.stream import Fanout

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def api_blueprint(source: BoardSource, fanout: Fanout) -> Blueprint:
    api = Blueprint("api", __name__, url_prefix="/api/v1")

    @api.get("/pages")
    def pages() -> ResponseReturnValue:
        board = source.board()
        return jsonify(
            pages=[page_row(p) for p in board.pages],
            healthy=not board.problems,
            problems=list(board.problems),
        )

    @api.get("/pages/<page_id>")
    def page(page_id: str) -> ResponseReturnValue:
        found = source.page(page_id)
        if found is None:
            return jsonify(error=f"no page {page_id!r}"), 404
        return jsonify(page_detail(found))

    @api.get("/events")
    def event_log() -> ResponseReturnValue:
        args = request.args
        page_id = args.get("page")
        if page_id is not None and not source.known(page_id):
            return jsonify(error=f"no page {page_id!r}"), 404
        try:
            found = events(
                source.redis, page_id, args.get("since"), args.get("cursor"), args.get("limit")
            )
        except BadRequest as exc:
            return jsonify(error=str(exc)), 400
        return jsonify(found)

    @api.get("/summary")
    def statuspage_summary() -> ResponseReturnValue:
        return jsonify(summary(source.board(), url_for("board.html.board", _external=True)))

    @api.get("/stream")
    def stream() -> ResponseReturnValue:
        frames = fanout.stream(request.headers.get("Last-Event-ID"))
        return Response(
            stream_with_context(frames), mimetype="text/event-stream", headers=STREAM_HEADERS
        )

    return api
