"""The one `BoardSource` the board, the read API, the feeds and the badges read through.

The whole board is built off the request path (10,000 pages: tens of milliseconds once built,
since unchanged pages are not parsed again: monitor.board's memo) and served as last built. A
request that finds it older than `MAX_AGE` seconds, or behind the event log, has a rebuild
started and is answered at once with the one there is, if that is younger than `SERVE_STALE`
seconds. The first request, one that finds only an older board (a worker idle for a while),
and one asking `fresh=True` (the board's script after a change it was told of) wait for a board
built after they came (at most `WAIT` seconds): a board opened anew is never minutes behind.
One page, by contrast, is always read fresh. Threads
here are greenlets under gunicorn's gevent worker.
"""

from __future__ import annotations

import threading
import time
from typing import cast

import redis

from monitor import keys
from monitor.board import Memo, load_board, load_pages
from monitor.boardmodel import Board, PageView
from monitor.eventlog import Raw
from monitor.logindex import LogIndex

MAX_AGE = 1.0
SERVE_STALE = 5.0  # seconds: an older board is not served, the request waits for a new one
WAIT = 5.0


class BoardSource:
    def __init__(self, r: redis.Redis, stale_after: float = 60.0, retention_days: int = 90) -> None:
        self.redis, self.stale_after = r, stale_after
        self.index = LogIndex(retention_days)
        self._board: Board | None = None
        self._memo: Memo = {}  # each page's view, kept while its data is unchanged
        self._built_last = ""  # the event log's newest id when the board was built
        self._wanted = 0.0  # a board built at or after this time is asked for
        self._building = False
        self._changed = threading.Condition()

    def board(self, fresh: bool = False) -> Board:
        asked = time.time()
        with self._changed:
            current = self._board
            if current is None or fresh or self._stale(current, asked):
                self._want(asked)
            if current is not None and not fresh and asked - current.at < SERVE_STALE:
                return current
            self._changed.wait_for(
                lambda: self._board is not None and self._board.at >= asked, WAIT
            )
            if self._board is not None:
                return self._board
        return self._build()  # the builder is stuck (Redis away?): try once here, and say so

    def page(self, page_id: str) -> PageView | None:
        self.index.refresh(self.redis)
        found = load_pages(self.redis, self.index, time.time(), [page_id])
        return found[0] if found else None

    def known(self, page_id: str) -> bool:
        return bool(self.redis.hexists(keys.PAGES, page_id))

    def _built_after(self, at: float) -> bool:
        return self._board is not None and self._board.at >= at

    def _stale(self, board: Board, now: float) -> bool:
        if now - board.at >= MAX_AGE:
            return True
        newest = cast(Raw, self.redis.xrevrange(keys.EVENTS, count=1))
        return (newest[0][0] if newest else "") != self._built_last

    def _want(self, at: float) -> None:
        """(Holding the condition.) Ask for a board built at or after `at`."""
        self._wanted = max(self._wanted, at)
        if not self._building:
            self._building = True
            threading.Thread(target=self._builder, name="board-builder", daemon=True).start()

    def _builder(self) -> None:
        try:
            while True:
                with self._changed:
                    if self._built_after(self._wanted):
                        return
                self._build()
        finally:
            with self._changed:
                self._building = False
                self._changed.notify_all()

    def _build(self) -> Board:
        newest = cast(Raw, self.redis.xrevrange(keys.EVENTS, count=1))
        at = time.time()
        self.index.refresh(self.redis)
        board = load_board(self.redis, self.index, at, self.stale_after, self._memo)
        with self._changed:
            if self._board is None or board.at >= self._board.at:
                self._board = board
                self._built_last = newest[0][0] if newest else ""
            self._changed.notify_all()
        return board
