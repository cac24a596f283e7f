"""Thin tasks: tick (fan out due polls and deliveries, send again the events whose line is
late: monitor.outbox), poll (one page), notify (print one event once, log it, hand it to the
channels that want it)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

from monitor import counters, keys, outbox, store
from monitor.events import StatusEvent
from monitor.notify import deliver
from monitor.poll import Emit, PollResult
from monitor.pollbatch import Outcome, poll_batch
from monitor.registry import load_page, load_pages
from monitor.schedule import CLAIM_AHEAD, batches, claim_due, retry
from workers.celery_app import app
from workers.deliver_tasks import send_due_deliveries, send_now
from workers.runtime import RuntimeTask

log = logging.getLogger("statusmon.tasks")
WRITE_RETRY_CAP = 60  # seconds between retries of a line that could not be written


@app.task(name="statusmon.tick", base=RuntimeTask, bind=True, ignore_result=True)
def tick(self: RuntimeTask) -> int:
    """Send the due pages in batches of POLL_BATCH; a batch not started within its pages'
    interval expires. POLL_BATCH=1: one `poll` per page. None while Redis memory is past
    REDIS_MEMORY_HIGH (monitor.memory): due pages wait in the schedule."""
    if self.poll_gate.open():
        due = claim_due(self.redis, time.time(), ahead=CLAIM_AHEAD)
    else:
        due = []
        counters.record_held_back(self.redis)
    for interval, page_ids in batches(due, self.settings.poll_batch):
        if len(page_ids) == 1:
            poll.apply_async((page_ids[0],), expires=interval)
        else:
            poll_pages.apply_async((page_ids,), expires=interval)
    store.heartbeat(self.redis, keys.BEAT_ROLE)
    resend_late(self.redis)
    send_due_deliveries(self.redis, self.settings.delivery_deadline)
    return len(due)


def resend_late(r: store.Redis) -> None:
    """The events whose state was saved GRACE seconds ago and whose line is not printed: their
    notify task was lost (monitor.outbox); the claim prints each once."""
    events = outbox.resend(r, time.time())
    if events:
        log.warning(
            "%d event(s) not printed %.0f s after their poll: sent again", len(events), outbox.GRACE
        )
        enqueue_events(events)


@app.task(name="statusmon.poll", base=RuntimeTask, bind=True)
def poll(self: RuntimeTask, page_id: str) -> dict[str, Any]:
    return poll_one(self, page_id)


@app.task(name="statusmon.poll_pages", base=RuntimeTask, bind=True)
def poll_pages(self: RuntimeTask, page_ids: list[str]) -> dict[str, Any]:
    """Several due pages in one task (monitor.pollbatch): one Celery message, one round trip
    for their configs, one for their `begin`s, a few for their `finish`es, for all of them."""
    pages = dict(zip(page_ids, load_pages(self.redis, page_ids), strict=True))
    known = [page for page in pages.values() if page is not None]
    sent: dict[str, list[str]] = {page.id: [] for page in known}

    def emit_for(page_id: str) -> Emit:
        return lambda events: sent[page_id].extend(enqueue_events(events))

    polled = poll_batch(self.poller, known, emit_for, self.fetchers)
    results = [
        {"outcome": "unknown_page", "notify": []}
        if page is None
        else after_poll(self, page.id, polled[page.id], sent[page.id])
        for page in pages.values()
    ]
    outcomes = Counter(r["outcome"] for r in results)
    notify = [task_id for r in results for task_id in r["notify"]]
    return {"outcome": outcomes.most_common(1)[0][0], "outcomes": outcomes, "notify": notify}


def after_poll(task: RuntimeTask, page_id: str, result: Outcome, sent: list[str]) -> dict[str, Any]:
    """A page of a batch: its retry and counts; a poll that raised fails that page only."""
    if isinstance(result, Exception):
        return {"outcome": "failed", "notify": []}
    return settle(task, page_id, result, sent)


def poll_one(task: RuntimeTask, page_id: str) -> dict[str, Any]:
    page = load_page(task.redis, page_id)
    if page is None:
        return {"outcome": "unknown_page", "notify": []}
    sent: list[str] = []
    result = task.poller.poll(page, lambda events: sent.extend(enqueue_events(events)))
    return settle(task, page.id, result, sent)


def settle(task: RuntimeTask, page_id: str, result: PollResult, sent: list[str]) -> dict[str, Any]:
    """What is left after a poll: its retry when it failed, its counts when it did not count
    itself."""
    if result.retry_at is not None:
        retry(task.redis, page_id, result.retry_at)
    if not result.counted:  # a poll that took the page lock counted itself with its release
        counters.record_poll(task.redis, page_id, result.outcome, result.size, result.full_size)
    counters.record_filtered(task.redis, page_id, result.filtered)
    return {"outcome": result.outcome, "notify": sent}


def enqueue_events(events: list[StatusEvent]) -> list[str]:
    """One notify task per event, in order; returns their task ids."""
    return [
        notify.apply_async((e.to_dict(),), argsrepr=repr((e.page_id, e.dedup_key))).id
        for e in events
    ]


@app.task(name="statusmon.notify", base=RuntimeTask, bind=True, max_retries=None)
def notify(self: RuntimeTask, event_data: dict[str, Any]) -> str:
    event = StatusEvent.from_dict(event_data)
    try:
        outcome = deliver(
            self.redis,
            event,
            self.write_line,
            self.settings.dedup_ttl,
            recorder=self.recorder,
            fault=self.fault,
        )
    except Exception as exc:  # not printed, claim released: retry, never acknowledge it unprinted
        log.warning("event %s not printed (%s); retrying", event.dedup_key, type(exc).__name__)
        raise self.retry(countdown=min(WRITE_RETRY_CAP, 2**self.request.retries)) from exc
    counters.record_delivery(self.redis, event, outcome)
    if outcome == "printed":  # the fast path; the tick sends any the notifier did not
        try:
            send_now(self.recorder.channels, event.dedup_key)
        except Exception as exc:  # printed and filed: the tick sends them after their grace
            log.warning("event %s: deliveries left to the tick (%s)", event.dedup_key, exc)
    if outcome == "in_flight":  # another notifier holds the claim: look again once it expired
        raise self.retry(countdown=keys.CLAIM_TTL)
    return outcome
