"""One attempt to deliver one event to one channel (the `deliver` task's body).

Begin the delivery (monitor.delivery: at most one attempt at a time, never after it was
delivered or dead-lettered), respect the channel's rate (monitor.ratelimit) and, while the
channel is failing, send it one attempt at a time so a dead receiver holds one worker process
at most; then send within the deadline and record the outcome: delivered, a retry at the next
time of the schedule, or a dead letter after the last attempt or a permanent refusal.

A healthy channel's attempt costs two Redis round trips: its begin (which also takes its
rate-limit token and, if the notifier left the severity open, reads the page state) and its
outcome (with its metrics and the channel's suspect flag, in one transaction).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import redis

from monitor import counters, delivery, eventlog, keys, ratelimit, routing
from monitor.channel_config import ChannelConfig
from monitor.channels.base import Answer, Message
from monitor.events import StatusEvent
from monitor.state import PageState

log = logging.getLogger("statusmon.delivery")
INLINE_WAIT = 1.0  # seconds a worker waits for a rate-limit slot itself; longer: postponed
BUSY_RETRY = 2.0  # seconds before a failing channel's next event looks for its turn again
SUSPECT_TTL = 3600


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
    begun = delivery.begin(r, channel.name, dedup_key, deadline, (channel.rate, channel.burst))
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
        wait = begun.wait  # the token begin took (a healthy channel's)
        if begun.slot is None and wait is None:  # a failing channel's turn: its token now
            wait = ratelimit.reserve(r, channel.name, channel.rate, channel.burst, time.time())
        if wait is not None and wait > INLINE_WAIT:
            delivery.postpone(r, channel.name, dedup_key, time.time() + wait, slot=True)
            return "postponed"
        time.sleep(wait or 0.0)
        severity = begun.severity or judge(begun.state, entry.event)
        answer = _send(channel, Message(entry.event, severity, tz), deadline)
    finally:
        if begun.failing:
            r.delete(busy)
    return record(r, channel.name, dedup_key, begun, answer, entry.printed_at, schedule)


def judge(state: str, event: StatusEvent) -> str:
    """The event's severity from the page state's JSON ("": none), for an open incident
    whose severity the notifier left to the attempts."""
    return routing.severity(PageState.from_json(state) if state else None, event)


def _dead(r: redis.Redis, name: str, dedup_key: str, why: str, failed: bool = False) -> str:
    _finish(r, name, dedup_key, "dead", why, suspect=True if failed else None)
    log.error("channel %s: event %s dead-lettered: %s", name, dedup_key, why)
    return "dead"


def _finish(
    r: redis.Redis,
    name: str,
    dedup_key: str,
    outcome: str,
    error: str = "",
    due: float = 0,
    lag: float | None = None,
    suspect: bool | None = None,
) -> None:
    """The outcome, its metrics and the channel's suspect flag (set: True, cleared: False) in
    one round trip; a metric that fails to count is logged, as counters' are."""
    counted = "failed" if outcome == "retry" else outcome
    with r.pipeline(transaction=True) as p:  # a scrape never sees a lag count without its sum
        p.eval(*delivery.finish_command(name, dedup_key, outcome, error, due))
        counters.channel_commands(p, name, counted, lag, error)
        if suspect:
            p.set(keys.channel_suspect(name), "1", ex=SUSPECT_TTL)
        elif suspect is not None:
            p.delete(keys.channel_suspect(name))
        found = p.execute(raise_on_error=False)
    if isinstance(found[0], Exception):
        raise found[0]
    for problem in (x for x in found[1:] if isinstance(x, Exception)):
        log.warning("metrics: channel %s's outcome not counted: %s", name, problem)


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
        lag = now - printed_at.timestamp()
        _finish(r, name, dedup_key, "delivered", lag=lag, suspect=False if begun.failing else None)
        return "delivered"
    due = None
    if answer.retryable:
        due = delivery.next_retry(schedule, begun.number, answer.retry_after, now)
    if due is None:
        return _dead(r, name, dedup_key, answer.detail, failed=True)
    _finish(r, name, dedup_key, "retry", answer.detail, due, suspect=True)
    log.warning(
        "channel %s: attempt %d failed (%s); next in %.0f s",
        name,
        begun.number,
        answer.detail,
        due - now,
    )
    return "retry"
