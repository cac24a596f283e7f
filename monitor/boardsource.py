"""The one `BoardSource` the board, the read API, the feeds and the badges read through.

The whole board is built off the request path and served as last built. The build (10,000
pages: about 100 ms of CPU, most of it reading and decoding the pages' data) runs through
`offload`: under the web process's gevent worker a real OS thread of its own (monitor.web.
offload), with its own Redis client and its own `LogIndex`, so it never holds the gevent hub
and the other greenlets (SSE clients, webhooks, other requests) run meanwhile.

A request that finds the board older than `MAX_AGE` seconds, or behind the event log (looked
at once it is `LOG_GAP` old), has a rebuild started (paced: never sooner than `PACE` times
the last build took, at most `PACE_CAP`) and is answered at once with the one there
is, if that is younger than `SERVE_STALE` seconds: it never waits for a rebuild while a
recent-enough board exists. The first request, one that finds only an older board (a worker
idle for a while), and one asking `fresh=True` (the board's script after a change it was told
of) wait for a board built after they came (at most `WAIT` seconds; a build that fails fails
them at once): a board older than `SERVE_STALE` is never served. One page, by contrast, is
always read fresh, on the request side (its own `LogIndex`, `log()`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar, cast

import redis

from monitor import keys
from monitor.board import Memo, load_board, load_pages
from monitor.boardmodel import Board, PageView
from monitor.eventlog import Raw
from monitor.logindex import LogIndex

MAX_AGE = 1.0
LOG_GAP = 0.5  # seconds: a younger board is not checked against the event log
PACE = 10.0  # a board is not rebuilt unasked sooner than PACE times its last build took
PACE_CAP = 2.5  # seconds: … nor later than this (well within SERVE_STALE)
SERVE_STALE = 5.0  # seconds: an older board is not served, the request waits for a new one
WAIT = 5.0

T = TypeVar("T")
Offload = Callable[[Callable[[], T]], T]
log = logging.getLogger("statusmon.board")


def direct(work: Callable[[], T]) -> T:
    """The offload outside gevent: the builder is a real thread already."""
    return work()


class BoardUnavailable(Exception):
    """No board built after the request within WAIT, or its build failed (Redis away?)."""


class BoardSource:
    def __init__(
        self,
        r: redis.Redis,
        stale_after: float = 60.0,
        retention_days: int = 90,
        offload: Offload[tuple[Board, str]] = direct,
        builder_redis: redis.Redis | None = None,
    ) -> None:
        self.redis, self.stale_after, self._offload = r, stale_after, offload
        self.index = LogIndex(retention_days)  # the board's: only the builder refreshes it
        self._log = LogIndex(retention_days)  # the request side's (one page, the feeds)
        # The builder's own client, used by its thread alone: the web process passes one made
        # like `r` (store.connect: a URL or the sentinels); else a pool copied from `r`'s.
        pool = r.connection_pool
        self._builder_redis = builder_redis or redis.Redis(
            connection_pool=redis.ConnectionPool(
                connection_class=pool.connection_class, **pool.connection_kwargs
            )
        )
        self._board: Board | None = None
        self._memo: Memo = {}  # each page's view, kept while its data is unchanged
        self._built_last = ""  # the event log's newest id when the board was built
        self._wanted = 0.0  # a board built at or after this time is asked for
        self._failed: tuple[float, BaseException] | None = None
        self._took = 0.0  # seconds the last build took (on its thread, waits for the GIL too)
        self._building = False
        self._changed = threading.Condition()

    def board(self, fresh: bool = False) -> Board:
        asked = time.time()
        current = self._board
        if current is None or fresh or self._stale(current, asked):
            with self._changed:
                self._want(asked)
        if current is not None and not fresh and asked - current.at < SERVE_STALE:
            return current
        with self._changed:
            done = lambda: self._built_after(asked) or self._failed_after(asked)  # noqa: E731
            self._changed.wait_for(done, WAIT)
            if self._built_after(asked):
                return cast(Board, self._board)
            failed = self._failed[1] if self._failed_after(asked) and self._failed else None
        raise BoardUnavailable(f"no board built within {WAIT:g} s") from failed

    def warm(self) -> None:
        """Have a board built now, before anyone asks (the web process, once started)."""
        with self._changed:
            self._want(time.time())

    def log(self) -> LogIndex:
        """The event log as the request side reads it now."""
        return self._log.refresh(self.redis)

    def page(self, page_id: str) -> PageView | None:
        found = load_pages(self.redis, self.log(), time.time(), [page_id])
        return found[0] if found else None

    def known(self, page_id: str) -> bool:
        return bool(self.redis.hexists(keys.PAGES, page_id))

    def _built_after(self, at: float) -> bool:
        return self._board is not None and self._board.at >= at

    def _failed_after(self, at: float) -> bool:
        """A build failed after `at` (it had started before, perhaps: Redis is away now)."""
        return self._failed is not None and self._failed[0] >= at

    def _stale(self, board: Board, now: float) -> bool:
        """Due for a rebuild (unasked): old, or behind the event log; never sooner than PACE
        times the last build took, so building stays a small share of the worker's time."""
        age, paced = now - board.at, min(PACE * self._took, PACE_CAP)
        if age >= max(MAX_AGE, paced):
            return True
        if age < max(LOG_GAP, paced):
            return False
        newest = cast(Raw, self.redis.xrevrange(keys.EVENTS, count=1))
        return (newest[0][0] if newest else "") != self._built_last

    def _want(self, at: float) -> None:
        """(Holding the condition.) Ask for a board built at or after `at`."""
        self._wanted = max(self._wanted, at)
        if not self._building:
            self._building = True
            threading.Thread(target=self._builder, name="board-builder", daemon=True).start()

    def _builder(self) -> None:
        """A greenlet under gevent (a thread otherwise) that has each build run by `offload`
        and installs the boards; every waiter is woken by the condition, on its own thread.
        It says it stops in the same hold of the condition as it decides to: a request that
        asks meanwhile starts another."""
        while True:
            with self._changed:
                if self._built_after(self._wanted):
                    self._building = False
                    return
            started = time.monotonic()
            try:
                board, newest = self._offload(self._build)
                self._took = time.monotonic() - started
            except Exception as exc:  # any failure: the waiters are told at once
                log.warning("board: build failed: %s", type(exc).__name__)
                with self._changed:
                    self._failed, self._building = (time.time(), exc), False
                    self._changed.notify_all()
                return
            with self._changed:
                if self._board is None or board.at >= self._board.at:
                    self._board, self._built_last = board, newest
                self._changed.notify_all()

    def _build(self) -> tuple[Board, str]:
        """The build itself, on the offload's thread: only the builder's client and index."""
        r = self._builder_redis
        newest = cast(Raw, r.xrevrange(keys.EVENTS, count=1))
        at = time.time()
        self.index.refresh(r)
        board = load_board(r, self.index, at, self.stale_after, self._memo)
        return board, newest[0][0] if newest else ""
