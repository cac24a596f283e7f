"""GET /api/v1/stream: every printed event as Server-Sent Events, resumable with Last-Event-ID.

One `Fanout` per web worker process reads the event log (XREAD BLOCK on its own connection)
and keeps the latest `BUFFER` entries, each encoded once; each connected client waits on one
shared event (replaced by each batch) and takes what is newer than what it sent last. 500
viewers cost one Redis reader, not 500. What one read brings is a `Batch`: its frames joined
into one bytes object, which every client that was up to date sends as it is (one write, no
per-client formatting). After a read that brought something the reader waits `WINDOW` before
the next: what arrives meanwhile goes out as the next batch, so at 50 events/s a client costs
1 / WINDOW writes a second, not 50 (an event waits at most WINDOW; the first after a quiet
spell, not at all). A client that resumes (`Last-Event-ID`, a stream id) or falls behind the
buffer is first caught up from the log itself (XRANGE), then follows the buffer: ids only
grow, so a frame is never sent twice nor skipped. A comment every `KEEPALIVE` seconds keeps
proxies from closing an idle stream. It runs in the web process's stream process
(monitor/web/streamer.py), or in a web worker for a stream it could not hand over; under gevent
in both, the threads here are greenlets (and the event gevent's).

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
from typing import NamedTuple, cast

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
WINDOW = 0.25  # seconds: after a read that brought events, the reader waits this long
Frame = tuple[str, bytes]  # (stream id, the SSE frame)
KEEP_ALIVE = b": keep-alive\n\n"


class Batch(NamedTuple):
    """What one read of the log brought: the entries after `after`, up to `last`."""

    after: str
    last: str
    data: bytes  # their frames, joined once for every client


def order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def frame(entry_id: str, fields: dict[str, str]) -> bytes:
    data = json.dumps(event_row(parse_entry(entry_id, fields)), ensure_ascii=False)
    return f"id: {entry_id}\nevent: change\ndata: {data}\n\n".encode()


class Fanout:
    def __init__(self, r: redis.Redis, window: float = WINDOW) -> None:
        self.redis, self.window = r, window
        self.frames: deque[Frame] = deque()
        self.last = self.floor = "0-0"  # the buffer holds every entry in (floor, last]
        self.batch: Batch | None = None  # the newest one
        self.lock = threading.Lock()
        self.published = threading.Event()  # set, and replaced, by each batch
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
        while not self.stopping:
            try:
                found = self.redis.xread({keys.EVENTS: self.last}, block=BLOCK_MS, count=BUFFER)
            except redis.RedisError as exc:
                log.warning("event stream: Redis unavailable (%s); retrying", type(exc).__name__)
                threading.Event().wait(1.0)
                continue
            entries = [e for _, batch in cast(list[tuple[str, Raw]], found or []) for e in batch]
            if entries:
                self.publish([(i, frame(i, f)) for i, f in entries])
                time.sleep(self.window)  # a greenlet's sleep under gevent: the next batch gathers

    def publish(self, fresh: list[Frame]) -> None:
        batch = Batch(self.last, fresh[-1][0], b"".join(text for _, text in fresh))
        with self.lock:
            self.frames.extend(fresh)
            while len(self.frames) > BUFFER:
                self.floor = self.frames.popleft()[0]
            self.last, self.batch = batch.last, batch
            woken, self.published = self.published, threading.Event()
        woken.set()  # every waiting client at once (one Event: gevent's, in the web process)

    def newer(self, after: str, timeout: float) -> tuple[str, bytes] | None:
        """(the newest id, the frames after `after`), waiting up to `timeout` for one (b"": none
        came); None: `after` is older than the buffer reaches back (catch up from the log)."""
        after_order = order(after)
        with self.lock:
            published = self.published if after_order >= order(self.last) else None
        if published is not None:
            published.wait(timeout)
        with self.lock:
            if after_order < order(self.floor):
                return None
            batch = self.batch
            if batch is not None and batch.after == after:
                return batch.last, batch.data  # the common case: shared, as it is
            found: list[Frame] = []  # from the newest back: a client wakes for the last few
            for f in reversed(self.frames):  # (ids only grow), not for the whole buffer
                if order(f[0]) <= after_order:
                    break
                found.append(f)
            if not found:
                return after, b""
            return found[0][0], b"".join(text for _, text in reversed(found))

    def stream(self, last_event_id: str | None) -> Iterator[bytes]:
        self.start()
        with self.lock:  # before the first frame: whatever is logged once it is out comes
            cursor = self.last
        yield b"retry: 2000\n\n"
        if last_event_id and STREAM_ID.match(last_event_id):
            cursor = last_event_id
            for entry_id, text in self.catch_up(cursor):
                yield text
                cursor = entry_id
        quiet_since = time.monotonic()
        while not self.stopping:
            cursor, data = self.advance(cursor, TICK)
            if data:
                yield data
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= KEEPALIVE:
                yield KEEP_ALIVE
                quiet_since = time.monotonic()

    def advance(self, cursor: str, timeout: float) -> tuple[str, bytes]:
        """(the new cursor, what to send after `cursor`), waiting up to `timeout` for it (b"":
        nothing came); behind the buffer, one write for what the log holds after it."""
        fresh = self.newer(cursor, timeout)
        if fresh is not None:
            return fresh
        caught = list(self.catch_up(cursor))
        return (caught[-1][0], b"".join(t for _, t in caught)) if caught else (cursor, b"")

    def catch_up(self, after: str) -> Iterator[Frame]:
        start = "(" + after
        while True:
            chunk = cast(Raw, self.redis.xrange(keys.EVENTS, start, "+", count=500))
            for entry_id, fields in chunk:
                yield entry_id, frame(entry_id, fields)
            if len(chunk) < 500:
                return
            start = "(" + chunk[-1][0]
