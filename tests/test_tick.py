"""The tick on a real worker: every due page is polled once, in batches of POLL_BATCH."""

from __future__ import annotations

import time

from monitor import keys, store
from monitor.config import PageConfig
from monitor.schedule import sync_pages
from tests.conftest import Workers
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory
from workers.tasks import tick

SUMMARY = "/api/v2/summary.json"


def wait_for_states(r: store.Redis, page_ids: list[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while any(store.load_state(r, i) is None for i in page_ids):
        assert time.monotonic() < deadline, "not every due page was polled"
        time.sleep(0.05)


def test_one_tick_polls_every_due_page_once(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    ids = [f"site{n}" for n in range(25)]  # more than one batch of 20
    story = StatuspageStory()
    for page_id in ids:
        pages.set_json(f"/{page_id}{SUMMARY}", story.summary("operational"))
    sync_pages(r, [PageConfig(i, i, f"{pages.url}/{i}", "statuspage") for i in ids], 0.0)
    r.zadd(keys.SCHEDULE, {i: time.time() - 1 for i in ids})  # all due now

    tick.delay()
    wait_for_states(r, ids)
    assert all(pages.hits[f"/{i}{SUMMARY}"] == 1 for i in ids)
    assert all(r.zscore(keys.SCHEDULE, i) > time.time() for i in ids)  # next poll later
