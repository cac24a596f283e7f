"""The tick on a real worker: every due page is polled once, in batches of POLL_BATCH."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from monitor import keys, store
from monitor.pages import PageConfig
from monitor.registry import sync_pages
from tests.support.celery_workers import Workers
from tests.support.keyspace import wait_for_key
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory
from workers.tasks import tick

SUMMARY = "/api/v2/summary.json"


@contextmanager
def beat(every: float = 0.5) -> Iterator[None]:
    """A tick every `every` seconds, as beat sends them, while the block runs."""
    stop = threading.Event()

    def send_ticks() -> None:
        while not stop.wait(every):
            tick.delay()

    thread = threading.Thread(target=send_ticks)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def wait_for_states(r: store.Redis, page_ids: list[str], timeout: float = 30) -> None:
    """Block until every page's state was saved (its first poll went through)."""
    for page_id in page_ids:
        wait_for_key(r, keys.state(page_id), timeout)


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


def test_a_page_whose_poll_failed_is_polled_again_when_its_back_off_ends(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    path = f"/flaky{SUMMARY}"
    pages.set(path, "busy", status=503, headers={"Retry-After": "1"})
    sync_pages(r, [PageConfig("flaky", "Flaky", f"{pages.url}/flaky", "statuspage", 3600)], 0.0)
    r.zadd(keys.SCHEDULE, {"flaky": time.time() - 1})
    tick.delay()
    pages.wait_hits(path, 1)
    pages.set_json(path, StatuspageStory().summary("operational"))

    with beat():  # the back-off is 5 s; the next regular poll is in an hour
        pages.wait_hits(path, 2, timeout=30)
        wait_for_states(r, ["flaky"])
    assert pages.hits[path] == 2
