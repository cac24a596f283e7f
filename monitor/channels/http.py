"""POST one message within a total deadline: connect, send, headers and body all included.

`requests` bounds each socket read, not the whole exchange: a receiver that trickles its
answer a byte at a time would hold a worker for as long as it likes. Here each attempt's
connection (urllib3's, with its TLS verification) is watched by the process's deadline thread
(monitor.deadline), which shuts its socket down when the deadline passes, ending any read in
progress. Connections are kept alive between attempts (monitor.channels.pool); one the
deadline cut, or whose answer was not read to its end, is closed, never reused.
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
from monitor.channels.pool import POOL, Key
from monitor.deadline import Cutter, watch
from monitor.request import parse_retry_after

MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer we read (for `channels test`, errors)
USER_AGENT = "statusmon (+https://github.com/statusmon)"
# A kept-alive connection that fails this way before any answer was closed by the receiver while
# it waited: the request is sent once more on a new one (the receiver dedups on the stable id).
STALE = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


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
    key = (parts.scheme, parts.host, parts.port)
    sent = {"User-Agent": USER_AGENT, **headers}
    request = (parts.request_uri, body, sent)
    kept = POOL.take(key)
    if kept is not None:
        found = _exchange(kept, key, request, deadline, start, reused=True)
        if found is not None:
            return found
    kind = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    conn = kind(parts.host, parts.port, timeout=max(0.001, deadline - (time.monotonic() - start)))
    found = _exchange(conn, key, request, deadline, start, reused=False)
    assert found is not None  # only a kept-alive connection is tried again
    return found


def _exchange(
    conn: HTTPConnection,
    key: Key,
    request: tuple[str, bytes, dict[str, str]],
    deadline: float,
    start: float,
    reused: bool,
) -> tuple[Answer, str] | None:
    """One request on `conn`, given back to the pool if it can carry the next one. None: a
    kept-alive connection failed before any answer (the receiver had closed it as we sent):
    the caller sends once more on a new connection."""
    path, body, headers = request
    left = max(0.001, deadline - (time.monotonic() - start))
    keep = False
    with Watchdog(conn, left) as watchdog:
        try:
            if reused and conn.sock is not None:
                conn.sock.settimeout(left)
            conn.request("POST", path, body=body, headers=headers, preload_content=False)
            response = conn.getresponse()
            text = response.read(MAX_ANSWER).decode("utf-8", "replace")
            code, retry_after = (
                response.status,
                parse_retry_after(response.headers.get("Retry-After")),
            )
            keep = response.isclosed() and conn.sock is not None  # read to its end, still open
        except (OSError, HTTPError) as exc:
            if reused and isinstance(exc, STALE) and not watchdog.fired:
                return None
            if watchdog.fired or time.monotonic() - start >= deadline:
                return _gone(deadline), ""
            return Answer(False, f"connection failed: {type(exc).__name__}", retryable=True), ""
        finally:
            if not keep:
                conn.close()
    if watchdog.fired:  # the timer ended a read: what came is incomplete
        conn.close()
        return _gone(deadline), ""
    POOL.give(key, conn)
    return Answer.from_http(code, retry_after, text), text


def _gone(deadline: float) -> Answer:
    return Answer(False, f"no answer within {deadline:g} s", retryable=True)
