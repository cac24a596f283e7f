"""Adaptive intervals on the real worker and tick: a page in an incident is polled at its
active interval, and goes back to its own once the incident is over, with no beat restart."""

from __future__ import annotations

import time

from monitor import keys, store
from monitor.pages import PageConfig
from monitor.registry import sync_pages
from tests.support.celery_workers import Workers
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory
from tests.support.wait import wait_until
from tests.test_tick import beat, wait_for_states
from workers.tasks import tick

SUMMARY = "/api/v2/summary.json"


def test_a_page_in_an_incident_is_polled_at_its_active_interval_until_it_is_over(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    story = StatuspageStory()
    path = f"/hot{SUMMARY}"
    incident = story.incident("inc1", "API errors", ("u1", "investigating", "Looking"))
    pages.set_json(path, story.summary("major_outage", incident))
    page = PageConfig(
        "hot", "Hot", f"{pages.url}/hot", "statuspage", 3600, interval_active=5, active_window=0
    )
    sync_pages(r, [page], 0.0)
    r.zadd(keys.SCHEDULE, {"hot": time.time() - 1})
    tick.delay()
    wait_for_states(r, ["hot"])
    assert r.hget(keys.INTERVALS, "hot") == "5"  # quiet: an hour; in an incident: 5 s

    with beat():
        pages.wait_hits(path, 3, timeout=60)  # polled again and again, not in an hour
        pages.set_json(path, story.summary("operational"))
        wait_until(lambda: r.hget(keys.INTERVALS, "hot") == "3600", "the quiet interval", 60)
    assert r.hget(keys.pace("hot"), "reason") == "quiet"
    assert r.zscore(keys.SCHEDULE, "hot") > time.time() + 3000  # next poll: an hour on
