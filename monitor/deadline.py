"""A whole-request deadline: the socket of a request still running at its deadline is shut down.

A socket timeout bounds each read, not their sum: a server sending its headers or its body one
byte a second holds a thread for as long as it likes. So each request (monitor.fetch) runs
`within(deadline)`; the connection it uses is attached (monitor.session's connection classes
do it when they wait for the response), and one watchdog thread per process shuts that socket
down when the deadline passes, which ends any read blocked on it at once.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Cutter:
    """The socket of one request in flight; `expire` shuts it down (now, or once attached).
    `peer`: the address it is connected to, None through a proxy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self.expired = False
        self.done = False
        self.peer: str | None = None

    def attach(self, sock: socket.socket | None, direct: bool) -> None:
        with self._lock:
            self._sock = sock
            self.peer = _peer(sock) if direct else None
            if self.expired and sock is not None:
                _shut(sock)

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            if self._sock is not None:
                _shut(self._sock)


def _peer(sock: socket.socket | None) -> str | None:
    try:
        return str(sock.getpeername()[0]) if sock is not None else None
    except OSError:
        return None


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to stop
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._due: list[tuple[float, int, Cutter]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, cutter: Cutter) -> None:
        with self._wake:
            heapq.heappush(self._due, (deadline, next(self._seq), cutter))
            if self._thread is None or not self._thread.is_alive():  # also after a fork
                self._thread = threading.Thread(target=self._run, name="deadline", daemon=True)
                self._thread.start()
            if self._due[0][2] is cutter:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, _, cutter = heapq.heappop(self._due)
            cutter.expire()


_watchdog = _Watchdog()
_local = threading.local()


def watch(deadline: float, cutter: Cutter) -> None:
    """Expire `cutter` at `deadline` (a time.monotonic() value) on the process's one watchdog
    thread, unless it is done by then (for sockets not attached through `within`)."""
    _watchdog.watch(deadline, cutter)


@contextmanager
def within(deadline: float) -> Iterator[Cutter]:
    """Run a request of this thread under `deadline` (a time.monotonic() value)."""
    cutter = Cutter()
    _watchdog.watch(deadline, cutter)
    _local.cutter = cutter
    try:
        yield cutter
    finally:
        _local.cutter = None
        with cutter._lock:
            cutter.done = True
            cutter._sock = None


def attach(sock: socket.socket | None, direct: bool = True) -> None:
    """Called by a connection about to wait for its answer: watch its socket, if a deadline
    is running on this thread. `direct`: connected to the server itself, not to a proxy."""
    cutter: Cutter | None = getattr(_local, "cutter", None)
    if cutter is not None:
        cutter.attach(sock, direct)
