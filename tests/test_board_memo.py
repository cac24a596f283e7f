"""A board build keeps what did not change: a page whose data is as it was at the last build
keeps its memo pair (the same object, so a build leaves the garbage collector nothing new to
walk: monitor.board's Memo), and a page that changed is read anew."""

from __future__ import annotations

import time

from monitor import status, store
from monitor.board import Memo, load_pages
from monitor.logindex import LogIndex
from tests.support import board as b


def test_an_unchanged_page_keeps_its_memo_pair_and_a_changed_one_is_read_anew(
    r: store.Redis,
) -> None:
    b.register(r, b.page("gh", "GitHub"), b.page("oai", "OpenAI"))
    for page_id in ("gh", "oai"):
        store.save_state(r, page_id, b.state({"c1": ("API", status.OPERATIONAL)}))
        b.polled(r, page_id)
    memo: Memo = {}
    index = LogIndex(90)
    load_pages(r, index.refresh(r), time.time(), memo=memo)
    before = dict(memo)
    store.save_state(r, "oai", b.state({"c1": ("API", status.PARTIAL_OUTAGE)}))
    views = load_pages(r, index.refresh(r), time.time(), memo=memo)
    assert memo["gh"] is before["gh"]
    assert memo["oai"] is not before["oai"]
    assert [v.status for v in views if v.id == "oai"] == [status.PARTIAL_OUTAGE]
