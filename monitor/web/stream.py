"""GET /api/v1/stream: every printed event as Server-Sent Events, resumable with Last-Event-ID.

One `Fanout` per web worker process reads the event log (XREAD BLOCK on its own connection)
and keeps the latest `BUFFER` entries; each connected client waits on one shared condition
and takes what is newer than what it sent last. 500 viewers cost one Redis reader, not 500.
A client that resumes (`Last-Event-ID`, a stream id) or falls behind the buffer is first
caught up from the log itself (XRANGE), then follows the buffer: ids only grow, so a frame is
never sent twice nor skipped. A comment every `KEEPALIVE` seconds keeps proxies from closing
an idle stream. Under gunicorn's gevent worker the threads here are greenlets.

A stream never ends by itself, and gunicorn's graceful shutdown waits for open requests: so
the fan-out chains itself before the worker's SIGTERM/SIGINT/SIGQUIT handlers and every
stream ends within a second of one (browsers reconnect to the next worker by themselves).
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from types import FrameType
from typing import cast

import redis

from monitor import keys
from monitor.eventlog import Raw, parse_entry
from monitor.views import STREAM_ID, event_row

log = logging.getLogger("statusmon.stream")
BUFFER = 1000
KEEPALIVE = 15.0
TICK = 1.0  # how often a waiting stream looks whether the worker is stopping
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
BLOCK_MS = 5000
Frame = tuple[str, str]  # (stream id, the SSE frame)


def order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def frame(entry_id: str, fields: dict[str, str]) -> str:
    data = json.dumps(event_row(parse_entry(entry_id, fields)), ensure_ascii=False)
    return f"id: {entry_id}\nevent: change\ndata: {data}\n\n"


class Fanout:
    def __init__(self, r: redis.Redis) -> None:
        self.redis = r
        self.frames: deque[Frame] = deque()
        self.last = self.floor = "0-0"  # the buffer holds every entry in (floor, last]
        self.changed = threading.Condition()
        self._started = False
        self.stopping = False
        self._start_lock = threading.Lock()

    def start(self) -> None:
        """The reader, once per process, on the first stream asked for (after gunicorn forks)."""
        with self._start_lock:
            if self._started:
                return
            newest = cast(Raw, self.redis.xrevrange(keys.EVENTS, count=1))
            self.last = self.floor = newest[0][0] if newest else "0-0"
            threading.Thread(target=self._read, name="sse-fanout", daemon=True).start()
            self._started = True
            for sig in STOP_SIGNALS:
                self._chain(sig)

    def _chain(self, sig: signal.Signals) -> None:
        previous = signal.getsignal(sig)

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stopping = True
            if callable(previous):
                previous(signum, frame)

        try:
            signal.signal(sig, stop)
        except ValueError:  # not the main thread (a test's app): nothing to chain
            return

    def _read(self) -> None:
        while True:
            try:
                found = self.redis.xread({keys.EVENTS: self.last}, block=BLOCK_MS, count=BUFFER)
            except redis.RedisError as exc:
                log.warning("event stream: Redis unavailable (%s); retrying", type(exc).__name__)
                threading.Event().wait(1.0)
                continue
            entries = [e for _, batch in cast(list[tuple[str, Raw]], found or []) for e in batch]
            if entries:
                fresh = [(i, frame(i, f)) for i, f in entries]
                with self.changed:
                    self.frames.extend(fresh)
                    while len(self.frames) > BUFFER:
                        self.floor = self.frames.popleft()[0]
                    self.last = entries[-1][0]
                    self.changed.notify_all()

    def newer(self, after: str, timeout: float) -> list[Frame] | None:
        """Frames after `after`, waiting up to `timeout` for one; None: `after` is older than
        the buffer reaches back (the client catches up from the log first)."""
        after_order = order(after)
        with self.changed:
            if after_order < order(self.floor):
                return None
            if after_order >= order(self.last):
                self.changed.wait(timeout)
            found: list[Frame] = []  # from the newest back: a client wakes for the last few
            for f in reversed(self.frames):  # (ids only grow), not for the whole buffer
                if order(f[0]) <= after_order:
                    break
                found.append(f)
            return found[::-1]

    def stream(self, last_event_id: str | None) -> Iterator[str]:
        self.start()
        yield "retry: 2000\n\n"
        with self.changed:
            cursor = self.last
        if last_event_id and STREAM_ID.match(last_event_id):
            cursor = last_event_id
            for entry_id, text in self.catch_up(cursor):
                yield text
                cursor = entry_id
        quiet_since = time.monotonic()
        while not self.stopping:
            fresh = self.newer(cursor, TICK)
            if fresh is None:
                fresh = list(self.catch_up(cursor))
            if not fresh and time.monotonic() - quiet_since >= KEEPALIVE:
                fresh, quiet_since = [("", ": keep-alive\n\n")], time.monotonic()
            if fresh:  # one write for all of them: a client behind catches up in one
                yield "".join(text for _, text in fresh)
                cursor = next((i for i, _ in reversed(fresh) if i), cursor)
                quiet_since = time.monotonic()

    def catch_up(self, after: str) -> Iterator[Frame]:
        start = "(" + after
        while True:
            chunk = cast(Raw, self.redis.xrange(keys.EVENTS, start, "+", count=500))
            for entry_id, fields in chunk:
                yield entry_id, frame(entry_id, fields)
            if len(chunk) < 500:
                return
            start = "(" + chunk[-1][0]
