"""Thin tasks: tick (fan out due polls), poll (one page), notify (print one event once)."""

from __future__ import annotations

import logging
import time
from typing import Any

from monitor import keys, metrics, store
from monitor.events import StatusEvent
from monitor.notify import deliver
from monitor.schedule import claim_due, load_page
from workers.celery_app import app
from workers.runtime import RuntimeTask

log = logging.getLogger("statusmon.tasks")


@app.task(name="statusmon.tick", base=RuntimeTask, bind=True, ignore_result=True)
def tick(self: RuntimeTask) -> int:
    """Send a poll for every page that is due; a poll not started within its interval expires."""
    due = claim_due(self.redis, time.time())
    for page_id, interval in due:
        poll.apply_async((page_id,), expires=interval)
    store.heartbeat(self.redis, "beat")
    return len(due)


@app.task(name="statusmon.poll", base=RuntimeTask, bind=True)
def poll(self: RuntimeTask, page_id: str) -> dict[str, Any]:
    page = load_page(self.redis, page_id)
    if page is None:
        return {"outcome": "unknown_page", "notify": []}
    self.beat_now("poll")  # at most every 10 s per process, not one SET per poll
    sent: list[str] = []
    result = self.poller.poll(page, lambda events: sent.extend(enqueue_events(events)))
    metrics.record_poll(self.redis, page.id, result.outcome, result.size, result.full_size)
    metrics.record_filtered(self.redis, page.id, result.filtered)
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
    store.heartbeat(self.redis, "notifier")
    outcome = deliver(self.redis, event, self.write_line, self.settings.dedup_ttl)
    metrics.record_delivery(self.redis, event, outcome)
    if outcome == "in_flight":  # another notifier holds the claim: look again once it expired
        raise self.retry(countdown=keys.CLAIM_TTL)
    return outcome
