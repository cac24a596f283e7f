"""A web worker, once its first board is built, freezes what it holds: a full garbage
collection later walks only what was made since (monitor/web/gcfreeze.py)."""

from __future__ import annotations

import gc

from monitor import store
from monitor.boardsource import BoardSource
from monitor.web.gcfreeze import freeze_when_warm
from tests.support import board as b


def test_once_the_first_board_is_built_what_the_worker_holds_is_frozen(r: store.Redis) -> None:
    b.register(r, b.page("gh", "GitHub"))
    source = BoardSource(r)
    gc.unfreeze()
    try:
        freeze_when_warm(source).join(10)
        assert gc.get_freeze_count() > 0
        assert [p.id for p in source.board().pages] == ["gh"]  # built before, served as it is
    finally:
        gc.unfreeze()
