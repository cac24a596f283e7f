"""Thin delivery tasks: one `deliver` per (channel, event), on the `deliver` queue.

The notifier sends one task right after it printed and logged the event (`deliver_event`
when several channels want it: their first attempts side by side); the beat tick sends the
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
    return deliver_one(self, channel, dedup_key)


@app.task(name="statusmon.deliver_event", base=RuntimeTask, bind=True, ignore_result=True)
def deliver_event(self: RuntimeTask, channels: list[str], dedup_key: str) -> list[str]:
    """An event's first attempt to each of its channels, side by side on the process's fetch
    threads: one task, not one per channel, and a slow channel delays none of the others."""
    return list(self.fetchers.map(lambda channel: deliver_one(self, channel, dedup_key), channels))


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


def send_now(channels: list[str], dedup_key: str) -> None:
    """The notifier's fast path: one publish whatever the number of channels (each costs the
    notifier ~0.4 ms, and each task a worker ~1 ms: the console's throughput is what this
    keeps)."""
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
