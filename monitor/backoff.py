"""Per-host back-off in Redis: after a transient failure a host is left alone for a while,
exponentially longer (with full jitter) on each failure in a row, and at least the server's
Retry-After; a poll that goes through clears it. One hash per host (monitor.keys.backoff)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import redis

from monitor import keys


def backoff_until(r: redis.Redis, host: str) -> float | None:
    """When the host's back-off ends; None when it has none (no failure since its last success)."""
    until = r.hget(keys.backoff(host), "until")
    return float(until) if until else None


def backoff_remaining(r: redis.Redis, host: str, now: float | None = None) -> float:
    until = backoff_until(r, host)
    return max(0.0, until - (now or time.time())) if until is not None else 0.0


def record_failure(
    r: redis.Redis,
    host: str,
    retry_after: float | None,
    base: float = 5.0,
    draw: Callable[[float, float], float] = random.uniform,
) -> float:
    """Exponential back-off with full jitter per host, at least the server's Retry-After: the
    n-th failure in a row waits draw(base, min(cap, base * 2**(n-1))) seconds (`draw` is a seam
    for tests, which pick the window's end to see it double)."""
    key = keys.backoff(host)
    failures = int(r.hincrby(key, "failures", 1))
    delay = draw(base, min(keys.BACKOFF_CAP, base * 2 ** (failures - 1)))
    delay = max(delay, retry_after or 0.0)
    r.hset(key, "until", str(time.time() + delay))
    r.expire(key, int(delay) + keys.BACKOFF_CAP)
    return delay


def record_success(r: redis.Redis, host: str) -> None:
    r.delete(keys.backoff(host))
