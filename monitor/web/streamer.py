"""The stream process: it serves every web worker's live streams (GET /api/v1/stream).

A web worker answers the stream's request (BOARD_AUTH, headers) and hands the connection over
(monitor/web/handoff.py); here one gevent hub holds every viewer, fed by one `Fanout`
(monitor/web/stream.py: one reader of the event log, the same bytes for every client that is
up to date). It runs WEB_STREAM_NICE below the web workers, in a session of its own, so
feeding 500 viewers takes the CPU that webhooks and the board leave.

- A connection handed over more than `MAX_AGE` seconds ago (the process was down meanwhile)
  is closed unanswered: the browser's EventSource reconnects by itself.
- More than `limit` viewers (WEB_WORKER_CONNECTIONS): the next is answered 503. The process
  raises its open-files limit to the hard one, so the limit is its own, not the system's.
- A viewer that takes nothing for `SEND_TIMEOUT` seconds is dropped.
- SIGTERM (the master going away, monitor/web/stream_process.py): every stream ends within a
  second (Fanout's TICK), and the process exits.
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

from monitor import store
from monitor.logs import setup_logging
from monitor.priority import lower_priority
from monitor.settings import load_settings
from monitor.web.stream import Fanout

log = logging.getLogger("statusmon.stream")
MAX_AGE = 10.0
SEND_TIMEOUT = 30.0
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 5\r\nConnection: close\r\nContent-Length: 50\r\n\r\n"
    b'{"error":"too many live streams; try again later"}'
)


class Streamer:
    def __init__(self, fanout: Fanout, limit: int) -> None:
        self.fanout, self.limit = fanout, limit
        self.viewers = 0

    def take(self, inbox: socket.socket) -> bool:
        """Take the next handed connection (waiting up to the inbox's timeout) and serve it on
        a greenlet of its own; False: none came."""
        try:
            note, fds, _, _ = socket.recv_fds(inbox, 65536, 1)
        except TimeoutError:
            return False
        if not fds:
            return bool(note)  # a message without its descriptor: nothing to serve
        gevent.spawn(self.serve, fds[0], note)
        return True

    def serve(self, fd: int, raw: bytes) -> None:
        with contextlib.closing(socket.socket(fileno=fd)) as client:
            try:
                note: dict[str, Any] = json.loads(raw)
                head = str(note["head"]).encode("latin-1")
                if time.time() - float(note["at"]) > MAX_AGE:
                    return
            except (ValueError, KeyError, TypeError):
                log.warning("stream process: a handed connection came without a usable note")
                return
            client.settimeout(SEND_TIMEOUT)
            with contextlib.suppress(OSError):  # the viewer went away, or stopped reading
                if self.viewers >= self.limit:
                    client.sendall(BUSY)
                    return
                self.viewers += 1
                try:
                    client.sendall(head)
                    last = note.get("last")
                    for data in self.fanout.stream(last if isinstance(last, str) else None):
                        client.sendall(data)
                finally:
                    self.viewers -= 1


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
    inbox = socket.socket(fileno=fd)
    inbox.settimeout(1.0)
    while not fanout.stopping:
        try:
            streamer.take(inbox)
        except OSError as exc:
            log.error("stream process: its inbox failed (%s); exiting", exc)
            return 1
    deadline = time.monotonic() + 3
    while streamer.viewers and time.monotonic() < deadline:
        gevent.sleep(0.1)
    return 0
