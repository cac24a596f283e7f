"""The outbox (monitor.outbox): a poll's events are saved with its state, and the tick sends
again those whose line was not printed GRACE seconds later. The window it closes: the notify
task lost after the state that says "seen" was saved (kombu takes a message with BRPOP and
records it with a second command; a failover between the two keeps the pop), stood in for by
an `emit` that sends nothing. Real Redis, a real loopback page; the e2e on the suite's real
workers."""

from __future__ import annotations

import json
import time

import pytest

from monitor import keys, outbox, store
from monitor.events import StatusEvent
from monitor.notify import PRINTED, deliver
from monitor.pages import PageConfig
from monitor.poll import Poller
from monitor.session import new_session
from tests.support.celery_workers import Workers
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory
from tests.support.wait import wait_until
from workers.tasks import tick

SUMMARY = "/api/v2/summary.json"


class Crash(Exception):
    """The poll's process dies here (a fault at a step of the poll)."""


def changed_page(r: store.Redis, pages: PageServer) -> tuple[Poller, PageConfig]:
    """A page polled once (its baseline), whose component is down by its next poll."""
    story = StatuspageStory()
    pages.set_json(SUMMARY, story.summary("operational"))
    page = PageConfig("claude", "Claude", pages.url, "statuspage")
    poller = Poller(r, new_session(), timeout=5)
    assert poller.poll(page, lambda _: None).outcome == "changed"  # the baseline: no events
    pages.set_json(SUMMARY, story.summary("major_outage"))
    return poller, page


def lost_after_saving(r: store.Redis, pages: PageServer) -> tuple[Poller, PageConfig, StatusEvent]:
    """A changed poll whose notify task was lost once its state was saved."""
    poller, page = changed_page(r, pages)
    lost: list[StatusEvent] = []
    assert poller.poll(page, lost.extend).outcome == "changed"
    (event,) = lost
    return poller, page, event


def test_an_event_whose_task_was_lost_after_its_state_was_saved_is_sent_again_after_the_grace(
    r: store.Redis, pages: PageServer
) -> None:
    saved = time.time()
    poller, page, event = lost_after_saving(r, pages)
    again: list[StatusEvent] = []
    poller.poll(page, again.extend)
    assert again == []  # the state says "seen": no poll would ever send it again
    assert outbox.resend(r, saved) == []  # its grace has not passed
    (resent,) = outbox.resend(r, time.time() + outbox.GRACE)
    assert resent == event


def test_an_event_still_not_printed_is_sent_again_less_and_less_often(
    r: store.Redis, pages: PageServer
) -> None:
    _, _, event = lost_after_saving(r, pages)
    first = time.time() + outbox.GRACE
    assert outbox.resend(r, first) == [event]
    assert outbox.resend(r, first + 2 * outbox.GRACE - 1) == []
    assert outbox.resend(r, first + 2 * outbox.GRACE) == [event]
    second = first + 2 * outbox.GRACE
    assert outbox.resend(r, second + 4 * outbox.GRACE - 1) == []
    assert outbox.resend(r, second + 4 * outbox.GRACE) == [event]


def test_a_printed_event_leaves_the_outbox_without_being_sent_again(
    r: store.Redis, pages: PageServer
) -> None:
    _, _, event = lost_after_saving(r, pages)
    lines: list[StatusEvent] = []
    assert deliver(r, event, lines.append, dedup_ttl=3600) == "printed"
    assert outbox.resend(r, time.time() + outbox.GRACE) == []
    assert r.hlen(keys.OUTBOX) == r.zcard(keys.OUTBOX_DUE) == 0


def test_a_poll_that_dies_between_its_tasks_and_its_state_leaves_nothing_in_the_outbox(
    r: store.Redis, pages: PageServer
) -> None:
    """The other window: the state is not saved, so the next poll finds the change again."""
    poller, page = changed_page(r, pages)

    def crash_once_sent(events: list[StatusEvent]) -> None:
        assert events
        raise Crash

    with pytest.raises(Crash):
        poller.poll(page, crash_once_sent)
    assert r.hlen(keys.OUTBOX) == 0
    again: list[StatusEvent] = []
    assert poller.poll(page, again.extend).outcome == "changed"
    assert [e.kind for e in again] == ["component"]
    assert json.loads(r.hget(keys.OUTBOX, again[0].dedup_key) or "{}") == again[0].to_dict()


def test_the_tick_sends_a_lost_event_again_and_the_notifier_prints_it_once(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    _, _, event = lost_after_saving(r, pages)
    start = len(workers.notifier.lines)
    r.zadd(keys.OUTBOX_DUE, {event.dedup_key: 0})  # its grace has passed
    tick.delay()
    product, status = workers.notifier.wait_lines(start + 2)[start:]  # one event: two lines
    assert (product, status) == (
        "[2026-09-04 10:00:00] Product: Claude - Claude API (api.anthropic.com)",
        "Status: Major Outage (was Operational)",
    )
    assert (r.zscore(keys.OUTBOX_DUE, event.dedup_key) or 0) > time.time()  # looked at later
    wait_until(lambda: r.get(keys.event(event.dedup_key)) == PRINTED, "marked printed")
    assert outbox.resend(r, time.time() + 3600) == []  # printed: it leaves at that look
    assert r.hlen(keys.OUTBOX) == 0
