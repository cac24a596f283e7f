"""Thin tasks: tick (fan out due polls), poll (one page), notify (print one event once)."""

from __future__ import annotations

import logging
import time
from typing import Any

from monitor import keys, store
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
    for page_id in due:
        interval = int(self.redis.hget(keys.INTERVALS, page_id) or 60)
        poll.apply_async((page_id,), expires=interval)
    store.heartbeat(self.redis, "beat")
    return len(due)


@app.task(name="statusmon.poll", base=RuntimeTask, bind=True, ignore_result=True)
def poll(self: RuntimeTask, page_id: str) -> str:
    page = load_page(self.redis, page_id)
    if page is None:
        return "unknown_page"
    store.heartbeat(self.redis, "poll")
    result = self.poller.poll(page, enqueue_events)
    return result.outcome


def enqueue_events(events: list[StatusEvent]) -> None:
    for event in events:
        notify.apply_async((event.to_dict(),), kwargsrepr=repr({"key": event.dedup_key}))


@app.task(
    name="statusmon.notify", base=RuntimeTask, bind=True, ignore_result=True, max_retries=None
)
def notify(self: RuntimeTask, event_data: dict[str, Any]) -> str:
    event = StatusEvent.from_dict(event_data)
    store.heartbeat(self.redis, "notifier")
    outcome = deliver(self.redis, event, self.write_line, self.settings.dedup_ttl)
    if outcome == "in_flight":  # another notifier holds the claim: look again once it expired
        raise self.retry(countdown=keys.CLAIM_TTL)
    return outcome
