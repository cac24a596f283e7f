"""A small asyncio HTTP/1.1 server protocol: keep-alive, Content-Length bodies, delayed and
cut-off responses. Enough for pollers and webhook senders on loopback, and fast: one event
loop thread serves thousands of conditional GETs a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

from monitor.simulate.ids import http_date

MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    size: int  # bytes on the wire: request line, headers and body
    listener: int  # which listening socket (host) it came in on
    at: float  # arrival time (unix seconds)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0  # seconds before the response is written
    cut: int | None = None  # write only this many body bytes, then close the connection
    close: bool = False
    size: int = 0  # bytes written, set when sent
    page: tuple[int, str] | None = None  # (page index, page-relative path) of a page request


Handler = Callable[[Request], Response]
Sent = Callable[[Request, Response], None]


class _DateCache:
    second, value = -1, ""

    def now(self) -> str:
        second = int(time.time())
        if second != self.second:
            self.second, self.value = second, http_date(second)
        return self.value


_DATE = _DateCache()


def encode(response: Response, date: str, keep_alive: bool) -> bytes:
    reason = HTTPStatus(response.status).phrase
    lines = [f"HTTP/1.1 {response.status} {reason}", f"Date: {date}"]
    lines += [f"{k}: {v}" for k, v in response.headers]
    if response.status != 304:
        lines.append(f"Content-Length: {len(response.body)}")
    if not keep_alive:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    body = response.body if response.cut is None else response.body[: response.cut]
    return head + body


class HttpProtocol(asyncio.Protocol):
    def __init__(
        self, handler: Handler, listener: int, sent: Sent, live: set[HttpProtocol]
    ) -> None:
        self.handler, self.listener, self.sent, self.live = handler, listener, sent, live
        self.buffer = b""
        self.busy = False  # a delayed response is pending: later requests wait their turn
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.live.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.live.discard(self)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._drain()

    def _drain(self) -> None:
        while not self.busy and self.transport is not None:
            parsed = self._next_request()
            if parsed is None:
                return
            request, keep_alive = parsed
            response = self.handler(request)
            if response.delay > 0:
                self.busy = True
                loop = asyncio.get_running_loop()
                loop.call_later(response.delay, self._send_later, request, response, keep_alive)
                return
            self._send(request, response, keep_alive)

    def _send_later(self, request: Request, response: Response, keep_alive: bool) -> None:
        self.busy = False
        self._send(request, response, keep_alive)
        self._drain()

    def _send(self, request: Request | None, response: Response, keep_alive: bool) -> None:
        if self.transport is None:
            return
        keep_alive = keep_alive and not response.close and response.cut is None
        data = encode(response, _DATE.now(), keep_alive)
        response.size = len(data)
        self.transport.write(data)
        if request is not None:
            self.sent(request, response)
        if not keep_alive:
            self.transport.close()
            self.transport = None

    def _next_request(self) -> tuple[Request, bool] | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                self._send(None, Response(431, close=True), False)
            return None
        head = self.buffer[:end].decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        total = end + 4 + length
        if len(self.buffer) < total:
            return None
        body, self.buffer = self.buffer[end + 4 : total], self.buffer[total:]
        try:
            method, target, version = request_line.split(" ", 2)
        except ValueError:
            self._send(None, Response(400, close=True), False)
            return None
        path, _, query = target.partition("?")
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
        request = Request(method, path, query, headers, body, total, self.listener, time.time())
        return request, keep_alive
