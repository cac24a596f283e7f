"""Kept-alive connections to the channels' receivers, reused from one attempt to the next.

An attempt takes an idle connection to its receiver (scheme, host, port) if one is there and
still open, else it opens one; it gives the connection back only if the answer was read to its
end, the receiver kept the connection open and the deadline did not cut it (monitor.channels
.http). Reuse spares each delivery a TCP handshake (and for https a TLS one) and the receiver a
new connection: on a loopback receiver, one POST's CPU, client and server together, fell from
~0.75 ms to ~0.15 ms. A connection idle longer than `idle` is closed rather than reused:
receivers and middleboxes drop idle connections, often without a word.
"""

from __future__ import annotations

import atexit
import threading
import time

from urllib3.connection import HTTPConnection
from urllib3.util.connection import is_connection_dropped

IDLE = 30.0  # seconds a connection may wait for its next attempt
MOST = 16  # idle connections kept per receiver (about one per delivery thread)

Key = tuple[str, str, int | None]  # scheme, host, port


class Pool:
    """Idle connections per receiver; each is used by one attempt at a time."""

    def __init__(self, idle: float = IDLE, most: int = MOST) -> None:
        self.idle, self.most = idle, most
        self._lock = threading.Lock()
        self._idle: dict[Key, list[tuple[HTTPConnection, float]]] = {}

    def take(self, key: Key) -> HTTPConnection | None:
        """The most recently used open connection to `key`, or None: open a new one."""
        now = time.monotonic()
        stale = []
        found = None
        with self._lock:
            waiting = self._idle.get(key, [])
            while waiting and found is None:
                conn, since = waiting.pop()
                if now - since <= self.idle and not is_connection_dropped(conn):
                    found = conn
                else:
                    stale.append(conn)
        for conn in stale:
            conn.close()
        return found

    def give(self, key: Key, conn: HTTPConnection) -> None:
        """Keep `conn` for the next attempt (closed if `most` already wait)."""
        with self._lock:
            waiting = self._idle.setdefault(key, [])
            if len(waiting) < self.most:
                waiting.append((conn, time.monotonic()))
                return
        conn.close()

    def count(self, key: Key) -> int:
        """Idle connections to `key` now."""
        with self._lock:
            return len(self._idle.get(key, []))

    def clear(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for waiting in idle.values():
            for conn, _ in waiting:
                conn.close()


POOL = Pool()  # the process's: every channel's attempts share it
atexit.register(POOL.clear)  # closed, not left to the garbage collector at exit
