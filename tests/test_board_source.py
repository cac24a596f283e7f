"""The board source serves the last built board only while it is young: a worker that sat idle
answers its next request with a board built after that request came; a request never waits
for a rebuild while a young board exists, and a failed build fails its waiters at once."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
import redis

from monitor import store
from monitor.boardsource import MAX_AGE, SERVE_STALE, WAIT, BoardSource, BoardUnavailable
from tests.support.wait import wait_until

T = TypeVar("T")


def test_a_board_older_than_serve_stale_is_rebuilt_before_it_is_served(r: store.Redis) -> None:
    source = BoardSource(r)
    first = source.board()
    old = dataclasses.replace(first, at=first.at - 10 * SERVE_STALE)
    source._board = old  # the board an idle worker built long ago (a seam of this class)
    served = source.board()
    assert served is not old and served.at >= first.at


def test_a_young_board_is_served_as_it_is(r: store.Redis) -> None:
    source = BoardSource(r)
    first = source.board()
    assert source.board() is first  # within SERVE_STALE: no wait, the one there is


class Gate:
    """An offload (the seam BoardSource takes) that holds each build until opened."""

    def __init__(self) -> None:
        self.open, self.entered = threading.Event(), threading.Event()

    def __call__(self, work: Callable[[], T]) -> T:
        self.entered.set()
        assert self.open.wait(10), "the gate was never opened"
        return work()


def test_a_request_is_answered_with_the_board_there_is_while_a_rebuild_runs(
    r: store.Redis,
) -> None:
    gate = Gate()
    gate.open.set()
    source = BoardSource(r, offload=gate)
    first = source.board()
    gate.open.clear()
    gate.entered.clear()
    old = dataclasses.replace(first, at=time.time() - 2 * MAX_AGE)  # due for a rebuild, young
    source._board = old
    started = time.monotonic()
    assert source.board() is old  # answered at once, the rebuild held at the gate
    assert time.monotonic() - started < 1
    assert gate.entered.wait(5), "no rebuild was started"
    gate.open.set()
    wait_until(lambda: source._board is not old, "the rebuilt board")


def test_a_failed_build_fails_the_waiting_request_at_once_with_its_cause(
    r: store.Redis,
) -> None:
    def redis_away(work: Callable[[], T]) -> T:
        raise redis.ConnectionError("connection refused")

    source = BoardSource(r, offload=redis_away)
    started = time.monotonic()
    with pytest.raises(BoardUnavailable) as failed:
        source.board()
    assert time.monotonic() - started < WAIT / 2
    assert isinstance(failed.value.__cause__, redis.ConnectionError)


def test_the_builder_reads_redis_on_a_client_of_its_own(r: store.Redis) -> None:
    source = BoardSource(r)
    source.board()
    assert source._builder_redis.connection_pool is not r.connection_pool
