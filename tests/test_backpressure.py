"""Back-pressure on real workers and a real Redis near its maxmemory: past REDIS_MEMORY_HIGH
the tick sends no polls (due pages wait in the schedule), queued status lines are still
printed, and polls resume once memory falls below it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from monitor import keys, store
from monitor.events import StatusEvent
from monitor.memory import READ_EVERY
from monitor.pages import PageConfig
from monitor.registry import sync_pages
from tests.support.celery_workers import Workers
from tests.support.events import an_outage
from tests.support.memory import drain, fill_to, maxmemory_restored
from tests.support.pageserver import PageServer
from tests.support.procs import records
from tests.support.scenarios import StatuspageStory
from tests.support.wait import wait_until
from tests.test_tick import SUMMARY, beat
from workers.tasks import notify


@pytest.fixture
def tight(r: store.Redis) -> Iterator[store.Redis]:
    with maxmemory_restored(r):
        yield r


def held_back(r: store.Redis) -> int:
    return int(r.get(keys.METRICS_HELD_BACK) or 0)


def event() -> StatusEvent:
    return an_outage(
        "k-while-memory-is-high", "held", "Held", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )


def test_past_the_memory_threshold_the_tick_sends_no_polls_and_resumes_below_it(
    tight: store.Redis, pages: PageServer, workers: Workers
) -> None:
    ids = [f"mem{n}" for n in range(3)]
    for page_id in ids:
        pages.set_json(f"/{page_id}{SUMMARY}", StatuspageStory().summary("operational"))
    printed_before = len(workers.notifier.lines)
    with beat(every=0.3):
        fill_to(tight, 0.85)  # past the 0.8 default, with megabytes of room for the test
        closed_at = time.monotonic()
        # Every worker process has read memory afresh (a reading lives READ_EVERY seconds)
        # and a tick has held polls back.
        start = held_back(tight)
        wait_until(
            lambda: time.monotonic() - closed_at > READ_EVERY and held_back(tight) > start,
            "a tick held back after every stale reading expired",
            timeout=60,
        )
        sync_pages(tight, [PageConfig(i, i, f"{pages.url}/{i}", "statuspage") for i in ids], 0.0)
        tight.zadd(keys.SCHEDULE, {i: time.time() - 1 for i in ids})  # all due now
        queued = notify.delay(event().to_dict())  # a line queued while polls are held back
        assert queued.get(timeout=60) == "printed"
        mark = held_back(tight)
        wait_until(lambda: held_back(tight) >= mark + 3, "three more ticks held back", 60)
        assert all(pages.hits[f"/{i}{SUMMARY}"] == 0 for i in ids)
        assert all(tight.zscore(keys.SCHEDULE, i) < time.time() for i in ids)  # still due

        drain(tight)  # memory falls far below the threshold: the next fresh reading opens
        for page_id in ids:
            pages.wait_hits(f"/{page_id}{SUMMARY}", 1, timeout=60)
    assert len(records(workers.notifier.wait_lines(printed_before + 2)[printed_before:])) == 1
