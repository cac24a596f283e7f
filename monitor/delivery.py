"""The state of each (channel, event) delivery in Redis: claimed once, retried on a schedule,
dead-lettered after the last attempt.

A delivery is a hash (`keys.delivery`) filed by the notifier's mark (monitor.eventlog) with
state `pending`, and a member `<channel>|<dedup key>` of the due set (`keys.DELIVERIES_DUE`).
Its life, each step one Lua script:

- `begin`: a pending delivery (or one whose attempt's lease ran out: its worker died) becomes
  `sending` for a lease, and its due time moves to the lease's end, so that if the worker dies
  mid-attempt the beat tick sends it again then. A delivery that is `sending` under a live
  lease, `delivered` or `dead` is not begun: a redelivered task, a second worker or a replay
  sends it once (at-least-once to the receiver, which dedups on the stable id).
- `postpone`: not sent after all (rate limit, a failing channel's one attempt in flight):
  pending again at a later time, the attempt not counted.
- `finish`: delivered (off the due set), retry (pending, due at the next time of the schedule),
  or dead (off the due set, into the dead letters with its last error).

The beat tick drains the due set (`claim_due`): retries never wait in the broker, so no Celery
countdown outlives the visibility timeout (the Redis transport would redeliver it: duplicates).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, cast

import redis

from monitor import delivery_scripts as scripts
from monitor import keys, ratelimit

LEASE_MARGIN = 20.0  # seconds past the attempt's deadline before a lease counts as lost
DELIVERED, DEAD, SENDING, PENDING = "delivered", "dead", "sending", "pending"


@dataclass(frozen=True)
class Attempt:
    """A begun attempt: which one it is, its event from the log ("" if trimmed away), when it
    was printed, what the notifier judged its severity, and whether the channel is failing."""

    number: int
    entry: str
    printed_at: str
    slot: float | None  # the rate-limit slot an earlier postpone reserved for it
    severity: str
    event: str  # the log entry's `event` field (the --format json object)
    failing: bool  # the channel's last attempt failed (keys.channel_suspect)
    wait: float | None = None  # the rate-limit token begin took: seconds until its slot
    state: str = ""  # the page state's JSON, read if the notifier left the severity open


def member(channel: str, dedup_key: str) -> str:
    return f"{channel}|{dedup_key}"


def begin(
    r: redis.Redis,
    channel: str,
    dedup_key: str,
    deadline: float,
    rate: tuple[float, int] | None = None,
) -> Attempt | str:
    """An Attempt, or why not: missing, delivered, dead, busy (another worker is on it).
    `rate` (per second, burst): a healthy channel's attempt that holds no reserved slot takes
    its token in the same round trip (Attempt.wait); a failing one's takes it itself once it
    has its turn (monitor.sending)."""
    per_second, burst = rate or ("", 0)
    found = cast(
        list[str],
        r.eval(
            scripts.BEGIN,
            5,
            keys.delivery(channel, dedup_key),
            keys.DELIVERIES_DUE,
            keys.EVENTS,
            keys.channel_suspect(channel),
            keys.bucket(channel),
            member(channel, dedup_key),
            time.time(),
            deadline + LEASE_MARGIN,
            per_second,
            burst,
            ratelimit.ttl(*rate) if rate else 0,
            keys.state(""),
        ),
    )
    if found[0] != "go":
        return found[0]
    number, entry, printed_at, slot, severity, event, failing, wait, state = found[1:]
    held = float(slot) if slot else None
    took = float(wait) if wait else None
    return Attempt(
        int(number), entry, printed_at, held, severity, event, failing == "1", took, state
    )


def postpone(r: redis.Redis, channel: str, dedup_key: str, at: float, slot: bool) -> None:
    """Back to pending until `at`, the attempt not counted; `slot`: a rate-limit slot is
    reserved for that time (the next attempt takes no token)."""
    key = keys.delivery(channel, dedup_key)
    r.eval(
        scripts.POSTPONE,
        2,
        key,
        keys.DELIVERIES_DUE,
        member(channel, dedup_key),
        at,
        at if slot else "",
    )


def finish(
    r: redis.Redis, channel: str, dedup_key: str, outcome: str, error: str = "", due: float = 0
) -> bool:
    """outcome: delivered, retry (due at `due`) or dead. False if it was finished already."""
    return bool(r.eval(*finish_command(channel, dedup_key, outcome, error, due)))


def finish_command(
    channel: str, dedup_key: str, outcome: str, error: str = "", due: float = 0
) -> tuple[Any, ...]:
    """`finish` as EVAL's arguments, for a pipeline that carries it with other commands
    (monitor.sending: the outcome and its metrics in one round trip)."""
    return (
        scripts.FINISH,
        3,
        keys.delivery(channel, dedup_key),
        keys.DELIVERIES_DUE,
        keys.DEAD_LETTERS,
        member(channel, dedup_key),
        outcome,
        due,
        error,
        time.time(),
    )


def next_retry(
    schedule: tuple[float, ...], attempt: int, retry_after: float | None, now: float
) -> float | None:
    """When to try again after failed attempt number `attempt` (jittered ±20 %, at least the
    receiver's Retry-After, at most 12 h off); None: that was the last attempt."""
    if attempt > len(schedule):
        return None
    delay = schedule[attempt - 1] * random.uniform(0.8, 1.2)
    return now + min(max(delay, retry_after or 0.0), 43200.0)


def claim_due(r: redis.Redis, now: float, lease: float, limit: int = 1000) -> list[tuple[str, str]]:
    """(channel, dedup key) of the deliveries due now; each moved `lease` seconds on, so the
    next tick does not send it again while its task waits in the queue."""
    due = cast(
        list[str], r.eval(scripts.CLAIM_DUE, 1, keys.DELIVERIES_DUE, now, now + lease, limit)
    )
    return [cast(tuple[str, str], tuple(m.split("|", 1))) for m in due]


def dead_letter_count(r: redis.Redis, since: float) -> int:
    """Dead letters since `since` (unix seconds): what /health reports as degraded."""
    return int(r.zcount(keys.DEAD_LETTERS, since, "+inf"))


def dead_letters(r: redis.Redis, channel: str | None = None) -> list[tuple[str, str, str]]:
    """(channel, dedup key, last error) of every dead letter, oldest first."""
    found = []
    for item in cast(list[str], r.zrange(keys.DEAD_LETTERS, 0, -1)):
        name, key = item.split("|", 1)
        if channel is None or name == channel:
            found.append((name, key, str(r.hget(keys.delivery(name, key), "last_error") or "")))
    return found


def reset(
    r: redis.Redis,
    channel: str,
    dedup_key: str,
    entry: str,
    printed_at: str,
    severity: str,
    ttl: int,
) -> bool:
    """File a delivery of a logged event anew (`channels replay`): False if one exists."""
    key = keys.delivery(channel, dedup_key)
    if not r.hsetnx(key, "state", PENDING):
        return False
    with r.pipeline() as p:
        fields = {"entry": entry, "printed_at": printed_at, "attempts": 0, "severity": severity}
        p.hset(key, mapping=cast(Any, fields))
        p.expire(key, ttl)
        p.zadd(keys.DELIVERIES_DUE, {member(channel, dedup_key): time.time()})
        p.execute()
    return True
