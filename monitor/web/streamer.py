"""The stream process: it serves every web worker's live streams (GET /api/v1/stream).

A web worker answers the stream's request (BOARD_AUTH, headers) and hands the connection over
(monitor/web/handoff.py); here one gevent hub holds every viewer, fed by one `Fanout`
(monitor/web/stream.py: one reader of the event log, one bytes object per batch). It runs
WEB_STREAM_NICE below the web workers, in a session of its own, so feeding 500 viewers takes
the CPU that webhooks and the board leave.

One broadcaster writes each batch to every viewer that is up to date, in one loop: a plain
non-blocking send per viewer, no greenlet woken per viewer. A viewer whose socket does not take
the whole batch (it reads slowly), or one that resumes with Last-Event-ID, is written to by a
greenlet of its own: it finishes that write, catches up from the Fanout (or the log), and
joins the broadcaster again once it is where the broadcaster is. Ids only grow and each batch
starts where the last ended, so no viewer gets a frame twice or misses one.

- A connection handed over more than `MAX_AGE` seconds ago (the process was down meanwhile)
  is closed unanswered: the browser's EventSource reconnects by itself.
- More than `limit` viewers (WEB_WORKER_CONNECTIONS): the next is answered 503. The process
  raises its open-files limit to the hard one, so the limit is its own, not the system's.
- A viewer that takes nothing for `SEND_TIMEOUT` seconds is dropped.
- A comment every KEEPALIVE seconds keeps proxies from closing a quiet stream.
- SIGTERM (the master going away, monitor/web/stream_process.py): every stream is closed
  within a second (Fanout's TICK), and the process exits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import resource
import socket
import time
from typing import Any

import gevent
from gevent import monkey
from gevent.socket import wait_write

from monitor import store
from monitor.logs import setup_logging
from monitor.priority import lower_priority
from monitor.settings import load_settings
from monitor.views import STREAM_ID
from monitor.web.stream import KEEP_ALIVE, KEEPALIVE, TICK, Fanout

log = logging.getLogger("statusmon.stream")
MAX_AGE = 10.0
SEND_TIMEOUT = 30.0
RETRY = b"retry: 2000\n\n"
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 5\r\nConnection: close\r\nContent-Length: 50\r\n\r\n"
    b'{"error":"too many live streams; try again later"}'
)


class Streamer:
    def __init__(self, fanout: Fanout, limit: int) -> None:
        self.fanout, self.limit = fanout, limit
        self.open: set[socket.socket] = set()  # every viewer's connection
        self.following: set[socket.socket] = set()  # up to date: the broadcaster writes to them
        self.cursor = "0-0"  # the last id the broadcaster sent to `following`

    @property
    def viewers(self) -> int:
        return len(self.open)

    def take(self, inbox: socket.socket) -> None:
        """Take the next handed connection, if one comes within the inbox's timeout, and serve
        it on a greenlet of its own (a message without its descriptor: nothing to serve)."""
        with contextlib.suppress(TimeoutError):
            note, fds, _, _ = socket.recv_fds(inbox, 65536, 1)
            if fds:
                gevent.spawn(self.serve, fds[0], note)

    def serve(self, fd: int, raw: bytes) -> None:
        """A handed connection: answered (or closed), then followed until it goes away."""
        plain: type[socket.socket] = monkey.get_original("socket", "socket")
        client = plain(fileno=fd)
        client.setblocking(False)
        try:
            note: dict[str, Any] = json.loads(raw)
            head = str(note["head"]).encode("latin-1")
            fresh = time.time() - float(note["at"]) <= MAX_AGE
        except (ValueError, KeyError, TypeError):
            log.warning("stream process: a handed connection came without a usable note")
            client.close()
            return
        if not fresh:
            client.close()
            return
        if self.viewers >= self.limit:
            with contextlib.suppress(OSError):
                write(client, BUSY)
            client.close()
            return
        last = note.get("last")
        resume = last if isinstance(last, str) and STREAM_ID.match(last) else None
        self.open.add(client)
        self.alone(client, head + RETRY, resume or self.cursor)

    def broadcast(self) -> None:
        """The one writer for every up-to-date viewer (a greenlet, until the process stops)."""
        self.fanout.start()
        with self.fanout.lock:
            self.cursor = self.fanout.last
        quiet_since = time.monotonic()
        while not self.fanout.stopping:
            cursor, data = self.fanout.advance(self.cursor, TICK)
            if data:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= KEEPALIVE:
                data, quiet_since = KEEP_ALIVE, time.monotonic()
            for client in list(self.following) if data else ():
                self._send(client, data, cursor)
            self.cursor = cursor  # no yield since the sends: a viewer joins between batches
        for client in list(self.open):
            self.drop(client)

    def _send(self, client: socket.socket, data: bytes, cursor: str) -> None:
        try:
            sent = client.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:  # gone
            self.drop(client)
            return
        if sent < len(data):  # a slow reader: the rest on a greenlet of its own
            self.following.discard(client)
            gevent.spawn(self.alone, client, data[sent:], cursor)

    def alone(self, client: socket.socket, pending: bytes, cursor: str) -> None:
        """Write `pending`, then what comes after `cursor`, until the viewer is where the
        broadcaster is (then it joins it) or goes away."""
        quiet_since = time.monotonic()
        try:
            while not self.fanout.stopping:
                if pending:
                    write(client, pending)
                    quiet_since = time.monotonic()
                if cursor == self.cursor and client in self.open:
                    self.following.add(client)
                    return
                cursor, pending = self.fanout.advance(cursor, TICK)
                if not pending and time.monotonic() - quiet_since >= KEEPALIVE:
                    pending = KEEP_ALIVE
        except OSError:  # gone, or took nothing for SEND_TIMEOUT
            pass
        self.drop(client)

    def drop(self, client: socket.socket) -> None:
        self.following.discard(client)
        if client in self.open:
            self.open.discard(client)
            client.close()


def write(client: socket.socket, data: bytes) -> None:
    """All of `data` to a non-blocking socket, this greenlet waiting while it is full
    (socket.timeout, an OSError, after SEND_TIMEOUT without progress)."""
    view = memoryview(data)
    while view:
        try:
            view = view[client.send(view) :]
        except BlockingIOError:
            wait_write(client.fileno(), timeout=SEND_TIMEOUT)


def main(fd: int) -> int:
    settings = load_settings()
    setup_logging(settings.log_level, settings.log_format)
    lower_priority(settings.web.stream_nice)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    r = store.connect(settings.redis, socket_connect_timeout=1, socket_timeout=15)
    fanout = Fanout(r)
    fanout.start()  # its reader, and SIGTERM/SIGINT/SIGQUIT end every stream
    streamer = Streamer(fanout, settings.web.connections)
    broadcaster = gevent.spawn(streamer.broadcast)
    inbox = socket.socket(fileno=fd)
    inbox.settimeout(1.0)
    while not fanout.stopping:
        try:
            streamer.take(inbox)
        except OSError as exc:
            log.error("stream process: its inbox failed (%s); exiting", exc)
            return 1
    broadcaster.join(3)
    return 0
