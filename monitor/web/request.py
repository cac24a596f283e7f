"""Reading a webhook request: its body within the size limit, as one JSON object.

`Refused` is every refusal the ingress answers with a status and a reason. The body is read
from the raw stream, never through werkzeug's max_content_length: with no Content-Length (a
chunked body), werkzeug stops at the limit and hands back what it read, so a body past the
limit would be cut and verified over its first bytes. Here one byte past the limit is a 413.
"""

from __future__ import annotations

import json
from typing import IO, Any

from flask import Request

from monitor.surrogates import may_hold, scrub_all

CHUNK = 64 * 1024
DRAIN = 1 << 20  # bytes read and dropped past the limit, so a client gets the 413, not a reset


class Refused(Exception):
    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


def read_body(req: Request, max_bytes: int) -> bytes:
    """The raw body, at most `max_bytes`; Refused(413) past it, declared or streamed."""
    too_large = Refused(413, f"body over {max_bytes} bytes")
    if req.content_length is not None and req.content_length > max_bytes:
        raise too_large  # declared: refused before reading a byte
    stream = req.stream
    body = bytearray()
    while len(body) <= max_bytes:
        chunk = stream.read(min(CHUNK, max_bytes + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
    _drain(stream, DRAIN)
    raise too_large


def _drain(stream: IO[bytes], limit: int) -> None:
    left = limit
    try:
        while left > 0 and (chunk := stream.read(min(CHUNK, left))):
            left -= len(chunk)
    except Exception:  # best effort: a client gone or a broken chunk ends the drain
        return


def json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise Refused(400, "body is not JSON") from None
    if not isinstance(payload, dict):
        raise Refused(400, "body is not a JSON object")
    # A lone surrogate ("\ud83d") would fail the ingest task's dedup key every time.
    return scrub_all(payload) if may_hold(body.decode("utf-8", "replace")) else payload


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def provider_page_id(payload: dict[str, Any]) -> Any:
    page = payload.get("page")
    return page.get("id") if isinstance(page, dict) else None
