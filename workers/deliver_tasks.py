"""Thin delivery tasks on the `deliver` queue.

The notifier hands each printed event to its dispatcher (workers.dispatch), which publishes
the events of a short window as one `deliver_events` task: their first attempts, side by side.
The beat tick sends the rest from the due set as one `deliver` per (channel, event): retries,
rate-limited ones, any the notifier did not send. Either may arrive twice: monitor.delivery's
claim sends each delivery once. Retries are never Celery countdowns (see monitor.delivery).
`deliver_event` (one event) is still consumed, for tasks queued by an earlier version.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from celery.signals import worker_shutdown

from monitor import delivery
from monitor.sending import attempt
from workers.celery_app import app
from workers.dispatch import Dispatcher, Item
from workers.runtime import RuntimeTask

log = logging.getLogger("statusmon.tasks")


@app.task(name="statusmon.deliver", base=RuntimeTask, bind=True, ignore_result=True)
def deliver(self: RuntimeTask, channel: str, dedup_key: str) -> str:
    return deliver_one(self, channel, dedup_key)


@app.task(name="statusmon.deliver_event", base=RuntimeTask, bind=True, ignore_result=True)
def deliver_event(self: RuntimeTask, channels: list[str], dedup_key: str) -> list[str]:
    """An event's first attempt to each of its channels, side by side on the process's fetch
    threads: one task, not one per channel, and a slow channel delays none of the others."""
    return list(self.deliverers.map(lambda c: deliver_one(self, c, dedup_key), channels))


@app.task(name="statusmon.deliver_events", base=RuntimeTask, bind=True, ignore_result=True)
def deliver_events(self: RuntimeTask, events: list[Item]) -> list[str]:
    """The first attempts of a batch of events, each to each of its channels, side by side on
    the process's delivery threads: one task (and its Celery overhead) for the whole batch."""
    pairs = [(channel, key) for channels, key in events for channel in channels]
    return list(self.deliverers.map(lambda pair: deliver_one(self, *pair), pairs))


def deliver_one(task: RuntimeTask, channel: str, dedup_key: str) -> str:
    config = task.channels.get(channel)
    if config is None:  # removed from pages.yaml: leave it due, a restarted worker may know it
        log.warning("channel %s: not configured in this process; delivery left due", channel)
        return "unknown_channel"
    s = task.settings
    try:
        return attempt(task.redis, config, dedup_key, s.tz, s.retry_schedule, s.delivery_deadline)
    except Exception:  # Redis trouble: the delivery stays due, the tick sends it again
        log.exception("channel %s: delivery of %s failed", channel, dedup_key)
        return "error"


def _publish(batch: list[Item]) -> None:
    deliver_events.apply_async((batch,))


DISPATCHER = Dispatcher(_publish)  # its thread starts with the first event: in the notifier


@worker_shutdown.connect
def _publish_what_is_queued(**_: Any) -> None:
    """A warm shutdown sends the notifier's queued events now, not after the tick's grace."""
    queued = DISPATCHER.drain()
    if queued:
        try:
            _publish(queued)
        except Exception as exc:  # filed by the mark: the tick sends them after their grace
            log.warning("%d events: deliveries left to the tick (%s)", len(queued), exc)


def send_now(channels: list[str], dedup_key: str) -> None:
    """The notifier's fast path: queue the event for the dispatcher's next task (no broker
    round trip on the console path; see workers.dispatch)."""
    DISPATCHER.add(channels, dedup_key)


def send_due_deliveries(r: redis.Redis, deadline: float) -> int:
    """Send a task for each delivery due now (called by the beat tick)."""
    due = delivery.claim_due(r, time.time(), deadline + delivery.LEASE_MARGIN)
    for channel, dedup_key in due:
        deliver.apply_async((channel, dedup_key))
    return len(due)
