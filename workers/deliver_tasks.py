"""Thin delivery tasks: one `deliver` per (channel, event), on the `deliver` queue.

The notifier sends them right after it printed and logged the event (through one
`deliver_event` fan-out task when several channels want it); the beat tick sends the
rest from the due set (retries, rate-limited ones, any the notifier did not send). Either may
arrive twice: monitor.delivery's claim sends each delivery once. Retries are never Celery
countdowns (see monitor.delivery).
"""

from __future__ import annotations

import logging
import time

import redis

from monitor import delivery
from monitor.sending import attempt
from workers.celery_app import app
from workers.runtime import RuntimeTask

log = logging.getLogger("statusmon.tasks")


@app.task(name="statusmon.deliver", base=RuntimeTask, bind=True, ignore_result=True)
def deliver(self: RuntimeTask, channel: str, dedup_key: str) -> str:
    config = self.channels.get(channel)
    if config is None:  # removed from pages.yaml: leave it due, a restarted worker may know it
        log.warning("channel %s: not configured in this process; delivery left due", channel)
        return "unknown_channel"
    s = self.settings
    return attempt(self.redis, config, dedup_key, s.tz, s.retry_schedule, s.delivery_deadline)


@app.task(name="statusmon.deliver_event", ignore_result=True)
def deliver_event(channels: list[str], dedup_key: str) -> None:
    """One `deliver` per channel, sent from a worker rather than the notifier."""
    for channel in channels:
        deliver.apply_async((channel, dedup_key))


def send_now(channels: list[str], dedup_key: str) -> None:
    """The notifier's fast path: one publish whatever the number of channels (each costs the
    notifier ~0.4 ms: its console throughput is what this keeps)."""
    if len(channels) == 1:
        deliver.apply_async((channels[0], dedup_key))
    elif channels:
        deliver_event.apply_async((channels, dedup_key))


def send_due_deliveries(r: redis.Redis, deadline: float) -> int:
    """Send a task for each delivery due now (called by the beat tick)."""
    due = delivery.claim_due(r, time.time(), deadline + delivery.LEASE_MARGIN)
    for channel, dedup_key in due:
        deliver.apply_async((channel, dedup_key))
    return len(due)
