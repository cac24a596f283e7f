"""POST one message within a total deadline: connect, send, headers and body all included.

`requests` bounds each socket read, not the whole exchange: a receiver that trickles its
answer a byte at a time would hold a worker for as long as it likes. Here one connection per
attempt (urllib3's, with its TLS verification) is watched by the process's deadline thread
(monitor.deadline), which shuts its socket down when the deadline passes, ending any read in
progress.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Mapping
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError, LocationParseError
from urllib3.util import parse_url

from monitor.channels.base import Answer
from monitor.deadline import Cutter, watch
from monitor.request import parse_retry_after

MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer we read (for `channels test`, errors)
USER_AGENT = "statusmon (+https://github.com/statusmon)"


class Watchdog(Cutter):
    """Shuts a connection's socket down at a deadline; `fired` says whether it did. Watched by
    the process's one deadline thread (monitor.deadline), not a thread per attempt (starting
    one cost an attempt ~0.5 ms)."""

    def __init__(self, conn: HTTPConnection | Any, seconds: float) -> None:
        super().__init__()
        self.conn, self.seconds = conn, seconds

    @property
    def fired(self) -> bool:
        return self.expired

    def __enter__(self) -> Watchdog:
        watch(time.monotonic() + max(0.0, self.seconds), self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.done = True

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            sock = getattr(self.conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def post_json(
    url: str, payload: Any, deadline: float, headers: Mapping[str, str] | None = None
) -> tuple[Answer, str]:
    """POST `payload` as JSON; the answer and up to MAX_ANSWER characters of its body."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post(url, body, deadline, {"Content-Type": "application/json", **(headers or {})})


def post(url: str, body: bytes, deadline: float, headers: Mapping[str, str]) -> tuple[Answer, str]:
    try:
        parts = parse_url(url)
    except LocationParseError:
        return Answer(False, "not a valid URL"), ""
    if parts.scheme not in ("http", "https") or not parts.host:
        return Answer(False, "not an http(s) URL"), ""
    start = time.monotonic()
    kind = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    conn = kind(parts.host, parts.port, timeout=deadline)
    sent = {"User-Agent": USER_AGENT, **headers}
    with Watchdog(conn, deadline) as watchdog:
        try:
            conn.request("POST", parts.request_uri, body=body, headers=sent, preload_content=False)
            response = conn.getresponse()
            text = response.read(MAX_ANSWER).decode("utf-8", "replace")
            code, retry_after = (
                response.status,
                parse_retry_after(response.headers.get("Retry-After")),
            )
        except (OSError, HTTPError) as exc:
            if watchdog.fired or time.monotonic() - start >= deadline:
                return Answer(False, f"no answer within {deadline:g} s", retryable=True), ""
            return Answer(False, f"connection failed: {type(exc).__name__}", retryable=True), ""
        finally:
            conn.close()
    if watchdog.fired:  # the timer ended a read: what came is incomplete
        return Answer(False, f"no answer within {deadline:g} s", retryable=True), ""
    return Answer.from_http(code, retry_after, text), text
