"""Exactly one line per change on real workers: redelivery, expired keys, concurrent polls."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from celery.result import AsyncResult

from monitor import keys
from monitor.adapters import get_adapter
from monitor.detect import diff
from monitor.pages import PageConfig
from monitor.registry import load_page, sync_pages
from tests.support.celery_workers import Workers, poll_now, queued_expiry
from tests.support.pageserver import PageServer
from tests.support.procs import records
from tests.support.scenarios import StatuspageStory
from tests.support.wait import wait_until
from workers.tasks import notify, poll

SUMMARY = "/api/v2/summary.json"


def setup_page(r, pages: PageServer) -> StatuspageStory:  # type: ignore[no-untyped-def]
    sync_pages(r, [PageConfig("claude", "Claude", pages.url, "statuspage")], time.time())
    return StatuspageStory()


def test_the_same_change_detected_twice_prints_once(r, pages: PageServer, workers: Workers) -> None:
    story = setup_page(r, pages)
    start = len(workers.notifier.lines)
    summary = story.summary("major_outage")
    pages.set_json(SUMMARY, summary)
    assert poll_now("claude") == ("changed", ["printed"])
    # Another worker (or a webhook) detects the same change from the same data: same key.
    page = load_page(r, "claude")
    assert page is not None
    snap = get_adapter("statuspage").parse(json.dumps(summary).encode(), page)
    (event,) = diff(page, "statuspage", None, snap, datetime.now(UTC)).events
    assert notify.delay(event.to_dict()).get(timeout=60) == "duplicate"
    assert len(records(workers.notifier.lines[start:])) == 1


def test_expired_dedup_keys_never_reprint_what_is_still_on_the_page(
    r, pages: PageServer, workers: Workers
) -> None:
    story = setup_page(r, pages)
    start = len(workers.notifier.lines)
    a1 = ("u1", "investigating", "Looking.")
    pages.set_json(SUMMARY, story.summary("degraded_performance", story.incident("incA", "E", a1)))
    assert poll_now("claude") == ("changed", ["printed", "printed"])
    expired = list(r.scan_iter(keys.event("*")))
    assert len(expired) == 2
    r.delete(*expired)  # as if every dedup key had expired
    pages.set_json(SUMMARY, story.summary("degraded_performance", story.incident("incA", "E!", a1)))
    assert poll_now("claude") == ("changed", [])  # re-parsed; the page state still knows it all
    assert len(records(workers.notifier.lines[start:])) == 2


def test_two_polls_of_one_page_at_once_print_each_change_once(
    r, pages: PageServer, workers: Workers
) -> None:
    story = setup_page(r, pages)
    start = len(workers.notifier.lines)
    pages.set_json(SUMMARY, story.summary("operational"))
    assert poll_now("claude") == ("changed", [])
    pages.set_json(SUMMARY, story.summary("major_outage", changed="10:05"))
    results = [poll.delay("claude") for _ in range(4)]
    outcomes = [res.get(timeout=60) for res in results]
    sent = [task for o in outcomes for task in o["notify"]]
    printed = [AsyncResult(t).get(timeout=60) for t in sent]
    assert printed.count("printed") == 1
    assert {o["outcome"] for o in outcomes} <= {"changed", "not_modified", "busy"}
    assert len(records(workers.notifier.wait_lines(start + 2)[start:])) == 1


def test_a_poll_that_could_not_start_within_its_interval_is_dropped(
    r, pages: PageServer, workers: Workers
) -> None:
    from celery.exceptions import TaskRevokedError

    from workers.celery_app import app

    setup_page(r, pages)
    pages.set_json(SUMMARY, StatuspageStory().summary("major_outage"))
    app.control.cancel_consumer(keys.POLL_QUEUE, reply=True)  # every poll worker is busy
    try:
        late = poll.apply_async(("claude",), expires=1)  # as the tick sends it: TTL = interval
        expires = queued_expiry(r, keys.POLL_QUEUE, late.id)
        wait_until(lambda: datetime.now(UTC) > expires, "the queued poll's expiry", timeout=5)
    finally:
        app.control.add_consumer(keys.POLL_QUEUE, reply=True)
    with pytest.raises(TaskRevokedError):
        late.get(timeout=60)
    assert pages.hits[SUMMARY] == 0
