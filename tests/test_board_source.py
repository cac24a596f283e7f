"""The board source serves the last built board only while it is young: a worker that sat idle
answers its next request with a board built after that request came."""

from __future__ import annotations

import dataclasses

from monitor import store
from monitor.boardsource import SERVE_STALE, BoardSource


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
