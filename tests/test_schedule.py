"""The schedule: phases spread by page id, each page handed out once per interval."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

from monitor import keys, store
from monitor.pages import PageConfig
from monitor.registry import load_page, sync_pages
from monitor.schedule import batches, claim_due, first_due, phase, retry


def page(n: int, interval: int = 60) -> PageConfig:
    return PageConfig(f"p{n}", f"Page {n}", f"https://p{n}.example", "statuspage", interval)


def test_phases_spread_ten_thousand_pages_over_the_interval() -> None:
    per_second = Counter(int(first_due(f"p{n}", 60, 0.0, 10_000)) for n in range(10_000))
    assert sorted(per_second) == list(range(50))  # 10,000 pages / 200 a second
    assert max(per_second.values()) < 1.5 * 10_000 / 50


def test_a_few_new_pages_are_all_polled_within_seconds() -> None:
    assert all(0 <= first_due(f"p{n}", 60, 0.0, 5) < 5 for n in range(5))


def test_the_phase_of_a_page_is_the_same_in_every_process() -> None:
    code = "from monitor.schedule import phase; print(repr(phase('openai', 60)))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert seen == {repr(phase("openai", 60))}
    assert 1000.0 <= first_due("openai", 60, 1000.0) < 1005.0


def test_a_due_page_is_handed_out_once_per_interval(r: store.Redis) -> None:
    sync_pages(r, [page(1, 10)], now=0.0)
    due_at = r.zscore(keys.SCHEDULE, "p1")
    assert claim_due(r, due_at - 0.001) == []
    assert claim_due(r, due_at) == [("p1", 10)]
    assert claim_due(r, due_at + 5) == []  # overlapping ticks get nothing more
    assert claim_due(r, due_at + 10) == [("p1", 10)]


def test_a_page_that_missed_several_slots_is_polled_once_and_keeps_its_phase(
    r: store.Redis,
) -> None:
    sync_pages(r, [page(1, 10)], now=0.0)
    due_at = r.zscore(keys.SCHEDULE, "p1")
    assert claim_due(r, due_at + 35) == [("p1", 10)]
    assert r.zscore(keys.SCHEDULE, "p1") == due_at + 40


def test_syncing_adds_updates_and_removes_pages(r: store.Redis) -> None:
    sync_pages(r, [page(1), page(2)], now=0.0)
    sync_pages(r, [page(2, 30), page(3)], now=0.0)
    assert set(r.hkeys(keys.PAGES)) == {"p2", "p3"}
    assert set(r.zrange(keys.SCHEDULE, 0, -1)) == {"p2", "p3"}
    loaded = load_page(r, "p2")
    assert loaded is not None and loaded.interval == 30
    assert load_page(r, "p1") is None


def test_a_page_round_trips_through_the_registry_with_its_labels(r: store.Redis) -> None:
    from monitor.pages import Labels

    original = PageConfig(
        "o",
        "OpenAI",
        "https://status.openai.com",
        "incidentio",
        30,
        Labels({"APIs": "OpenAI API"}, {"c1": "Chat Completions"}),
    )
    sync_pages(r, [original], now=0.0)
    assert load_page(r, "o") == original


def test_due_pages_go_out_in_batches_that_share_an_interval() -> None:
    due = [(f"p{n}", 60) for n in range(25)] + [("fast", 30), ("p25", 60)]
    sent = batches(due, 10)
    assert [(interval, len(ids)) for interval, ids in sent] == [
        (60, 10),
        (60, 10),
        (60, 6),
        (30, 1),
    ]
    assert sorted(i for _, ids in sent for i in ids) == sorted(i for i, _ in due)
    assert batches(due[:3], 1) == [(60, ["p0"]), (60, ["p1"]), (60, ["p2"])]


def test_a_failed_poll_is_retried_once_its_back_off_ends_and_keeps_its_phase(
    r: store.Redis,
) -> None:
    sync_pages(r, [page(1, 60)], now=0.0)
    due_at = r.zscore(keys.SCHEDULE, "p1")
    assert claim_due(r, due_at) == [("p1", 60)]
    assert retry(r, "p1", due_at + 10)
    assert claim_due(r, due_at + 9) == []
    assert claim_due(r, due_at + 10) == [("p1", 60)]
    assert claim_due(r, due_at + 11) == []  # retried once
    assert r.zscore(keys.SCHEDULE, "p1") == due_at + 60  # the grid did not move


def test_a_retry_after_the_next_regular_poll_is_not_scheduled(r: store.Redis) -> None:
    sync_pages(r, [page(1, 60)], now=0.0)
    due_at = r.zscore(keys.SCHEDULE, "p1")
    claim_due(r, due_at)
    assert not retry(r, "p1", due_at + 61)
    assert claim_due(r, due_at + 59) == []


def test_a_regular_poll_cancels_a_pending_retry_and_removed_pages_are_not_retried(
    r: store.Redis,
) -> None:
    sync_pages(r, [page(1, 60), page(2, 60)], now=0.0)
    due = {p: r.zscore(keys.SCHEDULE, p) for p in ("p1", "p2")}
    claim_due(r, max(due.values()))
    assert retry(r, "p1", due["p1"] + 59.5) and retry(r, "p2", due["p2"] + 30)
    sync_pages(r, [page(1, 60)], now=0.0)  # p2 removed
    assert claim_due(r, due["p1"] + 60) == [("p1", 60)]  # grid and retry due: one poll
    assert claim_due(r, due["p1"] + 100) == []


def test_a_page_may_be_claimed_half_a_tick_early_but_a_retry_never_is(r: store.Redis) -> None:
    sync_pages(r, [page(1, 10)], now=0.0)
    due = r.zscore(keys.SCHEDULE, "p1")
    assert claim_due(r, due - 0.6, ahead=0.5) == []
    assert claim_due(r, due - 0.4, ahead=0.5) == [("p1", 10)]
    assert r.zscore(keys.SCHEDULE, "p1") == due + 10  # its grid is kept
    assert retry(r, "p1", due + 5)
    assert claim_due(r, due + 4.8, ahead=0.5) == []
    assert claim_due(r, due + 5, ahead=0.5) == [("p1", 10)]
