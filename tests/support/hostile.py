"""A real HTTP server on 127.0.0.1 that answers the way a hostile status page might: bodies
too big to hold, gzip bombs, answers trickled a byte at a time, redirects anywhere.

Each path gets a behaviour: a function writing raw bytes to the client's socket, so headers
and body are exactly what a hostile server sends (no http.server niceties in between). Every
answer closes its connection. `seen` lists the request targets in arrival order; `sent` counts
the bytes each path managed to write before the client went away.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import socketserver
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from typing import Any

Behaviour = Callable[["Client"], None]
CHUNK = 64 * 1024


class Client:
    def __init__(self, sock: socket.socket, server: HostileServer, path: str) -> None:
        self.sock, self.server, self.path = sock, server, path

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)
        with self.server.lock:
            self.server.sent[self.path] += len(data)

    def head(self, status: str, headers: dict[str, str]) -> None:
        lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
        self.send(("\r\n".join([*lines, "Connection: close"]) + "\r\n\r\n").encode())

    def wait(self, seconds: float) -> None:
        """Pause between two trickled bytes; raises once the server is closing."""
        if self.server.closing.wait(seconds):
            raise ConnectionAbortedError


class HostileServer:
    def __init__(self) -> None:
        self.routes: dict[str, Behaviour] = {}
        self.seen: list[str] = []
        self.sent: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.closing = threading.Event()
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                target = self.rfile.readline(65536).decode("latin-1").split(" ")
                while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                    pass
                path = target[1] if len(target) > 1 else ""
                with server.lock:
                    server.seen.append(path)
                    behaviour = server.routes.get(path, not_found)
                with contextlib.suppress(OSError):  # the client hung up, as a bounded one does
                    behaviour(Client(self.connection, server, path))

        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.tcp.daemon_threads = True
        threading.Thread(target=self.tcp.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.tcp.server_address[1]}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.tcp.server_address[1]}"

    def on(self, path: str, behaviour: Behaviour) -> HostileServer:
        with self.lock:
            self.routes[path] = behaviour
        return self

    def close(self) -> None:
        self.closing.set()
        self.tcp.shutdown()
        self.tcp.server_close()


def not_found(client: Client) -> None:
    client.head("404 Not Found", {"Content-Length": "0"})


def body(data: bytes | str | Any, status: str = "200 OK", **headers: str) -> Behaviour:
    """A whole answer; a value that is not bytes or str is sent as JSON."""
    raw = data if isinstance(data, bytes) else (data if isinstance(data, str) else json.dumps(data))
    payload = raw.encode() if isinstance(raw, str) else raw

    def answer(client: Client) -> None:
        client.head(status, {"Content-Length": str(len(payload)), **headers})
        client.send(payload)

    return answer


def endless(size: int, framing: str = "length") -> Behaviour:
    """`size` bytes of filler, streamed, framed by a Content-Length ("length"), by chunked
    transfer coding ("chunked") or by closing the connection ("close")."""
    headers = {"length": {"Content-Length": str(size)}, "chunked": {"Transfer-Encoding": "chunked"}}

    def answer(client: Client) -> None:
        client.head("200 OK", headers.get(framing, {}))
        left = size
        while left > 0:
            piece = b" " * min(CHUNK, left)
            client.send(b"%x\r\n%s\r\n" % (len(piece), piece) if framing == "chunked" else piece)
            left -= len(piece)
        if framing == "chunked":
            client.send(b"0\r\n\r\n")

    return answer


@functools.cache
def gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip wrapper
    parts = [packer.compress(bytes(1 << 20)) for _ in range(size >> 20)]
    return b"".join([*parts, packer.flush()])


def gzip_bomb(decoded: int) -> Behaviour:
    """A small gzip body that inflates to `decoded` bytes."""
    return body(gzip_of_zeros(decoded), **{"Content-Encoding": "gzip"})


def trickle(data: bytes, every: float) -> Behaviour:
    """A declared body sent one byte every `every` seconds: each read is quick, all are not."""

    def answer(client: Client) -> None:
        client.head("200 OK", {"Content-Length": str(len(data))})
        for i in range(len(data)):
            client.wait(every)
            client.send(data[i : i + 1])

    return answer


def trickle_headers(every: float) -> Behaviour:
    """A status line, then one header byte every `every` seconds, never ending the headers."""

    def answer(client: Client) -> None:
        client.send(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while True:
            client.wait(every)
            client.send(b"a")

    return answer


def silent(client: Client) -> None:
    """Takes the request and never answers."""
    client.wait(3600)


def redirect(location: str, status: str = "302 Found") -> Behaviour:
    return body(b"", status, Location=location)
