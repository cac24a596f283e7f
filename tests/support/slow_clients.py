"""Slowloris-style clients for the web process: each trickles its request, one piece every
`pace` seconds, until the server closes the connection (or answers), or it is told to stop.

Also a measurement against a running web process (docs/reverse-proxy.md):

    python -m tests.support.slow_clients --port 8080 --slow 2 --pace 2

Time is the subject here, so the pacing is a wait on an Event with a timeout; a stopped client
stops within one pace. Everything is bounded: a client sends at most `pieces` pieces.
"""

from __future__ import annotations

import argparse
import http.client
import select
import socket
import threading
import time
from dataclasses import dataclass


class SlowClient(threading.Thread):
    """Sends `head` at once, then one of `pieces` every `pace` s; notes when the server hung up."""

    def __init__(
        self,
        port: int,
        stop: threading.Event,
        head: bytes = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        piece: bytes = b"X-Slow: 1\r\n",
        pace: float = 0.5,
        pieces: int = 200,
    ) -> None:
        super().__init__(daemon=True)
        self.port, self.stop, self.head, self.piece = port, stop, head, piece
        self.pace, self.pieces = pace, pieces
        self.started = time.monotonic()
        self.cut_after: float | None = None  # seconds from connect until the server hung up
        self.answer = b""  # what the server sent before it did (a 408, or nothing)
        self.connected = threading.Event()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            self.started = time.monotonic()
            self.connected.set()
            try:
                sock.sendall(self.head)
                for _ in range(self.pieces):
                    if self.stop.wait(self.pace) or self._hung_up(sock):
                        return
                    sock.sendall(self.piece)
            except OSError:  # reset by the server while sending: it hung up
                self.cut_after = time.monotonic() - self.started

    def _hung_up(self, sock: socket.socket) -> bool:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        try:
            while data := sock.recv(65536):
                self.answer += data
        except OSError:
            pass
        self.cut_after = time.monotonic() - self.started
        return True


@dataclass
class Timed:
    status: int
    seconds: float


def timed_get(port: int, path: str = "/health", timeout: float = 60) -> Timed:
    """One GET on a fresh connection: its status and how long the answer took."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return Timed(response.status, time.monotonic() - started)
    finally:
        conn.close()


def slow_clients(port: int, count: int, stop: threading.Event, **kw: object) -> list[SlowClient]:
    """`count` started slow clients, each connected before this returns."""
    clients = [SlowClient(port, stop, **kw) for _ in range(count)]  # type: ignore[arg-type]
    for client in clients:
        client.start()
    for client in clients:
        assert client.connected.wait(5), "a slow client could not connect"
    return clients


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--port", type=int, default=8080)
    args.add_argument("--slow", type=int, default=2, help="slow clients")
    args.add_argument("--pace", type=float, default=2.0, help="seconds between header lines")
    args.add_argument("--timeout", type=float, default=60.0, help="longest wait for /health")
    ns = args.parse_args()
    stop = threading.Event()
    clients = slow_clients(ns.port, ns.slow, stop, pace=ns.pace)
    try:
        for i in range(3):
            started = time.monotonic()
            try:
                answer = timed_get(ns.port, timeout=ns.timeout)
                print(f"GET /health #{i + 1}: {answer.status} in {answer.seconds:.3f} s")
            except OSError as exc:
                print(f"GET /health #{i + 1}: {exc!r} after {time.monotonic() - started:.1f} s")
        for client in clients:
            client.join(ns.timeout)
        cuts = sorted(c.cut_after for c in clients if c.cut_after is not None)
        if cuts:
            print(f"slow clients cut off: {len(cuts)}/{ns.slow}, {cuts[0]:.1f}-{cuts[-1]:.1f} s")
        print(f"still connected: {ns.slow - len(cuts)}")
    finally:
        stop.set()


if __name__ == "__main__":
    main()
