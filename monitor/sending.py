"""One attempt to deliver one event to one channel (the `deliver` task's body).

Begin the delivery (monitor.delivery: at most one attempt at a time, never after it was
delivered or dead-lettered), respect the channel's rate (monitor.ratelimit) and, while the
channel is failing, send it one attempt at a time so a dead receiver holds one worker process
at most; then send within the deadline and record the outcome: delivered, a retry at the next
time of the schedule, or a dead letter after the last attempt or a permanent refusal.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import redis

from monitor import counters, delivery, eventlog, keys, ratelimit, routing, store
from monitor.channel_config import ChannelConfig
from monitor.channels.base import Answer, Message
from monitor.events import StatusEvent

log = logging.getLogger("statusmon.delivery")
INLINE_WAIT = 1.0  # seconds a worker waits for a rate-limit slot itself; longer: postponed
BUSY_RETRY = 2.0  # seconds before a failing channel's next event looks for its turn again
SUSPECT_TTL = 3600


def message(r: redis.Redis, event: StatusEvent, tz: ZoneInfo, test: bool = False) -> Message:
    """The event as channels render it, its severity judged from the page state now."""
    state = store.load_state(r, event.page_id)
    return Message(event, routing.severity(state, event), tz, test)


def attempt(
    r: redis.Redis,
    channel: ChannelConfig,
    dedup_key: str,
    tz: ZoneInfo,
    schedule: tuple[float, ...],
    deadline: float,
) -> str:
    """The outcome: delivered, retry, dead, postponed, or why nothing was sent (missing,
    delivered, dead, busy)."""
    begun = delivery.begin(r, channel.name, dedup_key, deadline)
    if isinstance(begun, str):
        return begun
    if begun.number > len(schedule) + 1:  # the attempts that ended it were lost with workers
        lost = f"gave up after {begun.number - 1} attempts; the last ones never finished"
        return _dead(r, channel.name, dedup_key, lost)
    if not begun.event:
        return _dead(r, channel.name, dedup_key, "the event is no longer in the log")
    entry = eventlog.parse_entry(
        begun.entry, {"event": begun.event, "printed_at": begun.printed_at}
    )
    busy = keys.channel_busy(channel.name)
    if begun.failing and not r.set(busy, dedup_key, nx=True, px=int((deadline + 5) * 1000)):
        delivery.postpone(r, channel.name, dedup_key, time.time() + BUSY_RETRY, slot=False)
        return "postponed"
    try:
        if begun.slot is None:
            wait = ratelimit.reserve(r, channel.name, channel.rate, channel.burst, time.time())
            if wait > INLINE_WAIT:
                delivery.postpone(r, channel.name, dedup_key, time.time() + wait, slot=True)
                return "postponed"
            time.sleep(wait)
        if begun.severity:
            msg = Message(entry.event, begun.severity, tz)
        else:
            msg = message(r, entry.event, tz)
        answer = _send(channel, msg, deadline)
    finally:
        if begun.failing:
            r.delete(busy)
    return record(r, channel.name, dedup_key, begun, answer, entry.printed_at, schedule)


def _dead(r: redis.Redis, name: str, dedup_key: str, why: str) -> str:
    delivery.finish(r, name, dedup_key, "dead", why)
    counters.record_channel(r, name, "dead", error=why)
    log.error("channel %s: event %s dead-lettered: %s", name, dedup_key, why)
    return "dead"


def _send(channel: ChannelConfig, msg: Message, deadline: float) -> Answer:
    """A sender's bug is one failed attempt (retried, then dead-lettered), not a delivery
    stuck in `sending` that every lease begins again."""
    try:
        return channel.sender.send(msg, deadline)
    except Exception as exc:
        log.exception("channel %s: sending failed", channel.name)
        return Answer(False, f"error in statusmon: {type(exc).__name__}", retryable=True)


def record(
    r: redis.Redis,
    name: str,
    dedup_key: str,
    begun: delivery.Attempt,
    answer: Answer,
    printed_at: datetime,
    schedule: tuple[float, ...],
) -> str:
    now = time.time()
    if answer.ok:
        delivery.finish(r, name, dedup_key, "delivered")
        if begun.failing:
            r.delete(keys.channel_suspect(name))
        counters.record_channel(r, name, "delivered", now - printed_at.timestamp())
        return "delivered"
    r.set(keys.channel_suspect(name), "1", ex=SUSPECT_TTL)
    due = None
    if answer.retryable:
        due = delivery.next_retry(schedule, begun.number, answer.retry_after, now)
    if due is not None:
        delivery.finish(r, name, dedup_key, "retry", answer.detail, due)
        counters.record_channel(r, name, "failed", error=answer.detail)
        log.warning(
            "channel %s: attempt %d failed (%s); next in %.0f s",
            name,
            begun.number,
            answer.detail,
            due - now,
        )
        return "retry"
    return _dead(r, name, dedup_key, answer.detail)
