"""Counters for /metrics, written by every process into Redis hashes (`keys.METRICS_*`,
HINCRBY), so a scrape of any web process sees every worker's figures (monitor.web.metrics
reads and renders them). No per-process state. Counting never breaks the work it counts."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ParamSpec, get_args

import redis

from monitor import keys
from monitor.events import EventKind, StatusEvent

log = logging.getLogger("statusmon.metrics")
P = ParamSpec("P")

OUTCOMES = ("changed", "not_modified", "error", "backed_off", "busy")  # monitor.poll.PollResult
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
LAG_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400)  # seconds
WEBHOOK_REASONS = {  # ingress refusal status -> `reason` label: a fixed set, never request data
    400: "bad_json",
    401: "unauthorized",
    404: "unknown_page",
    413: "too_large",
    415: "bad_content_type",
    422: "bad_payload",
    429: "rate_limited",
    503: "queue_unavailable",
}
DELIVERY_LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 43200)  # seconds
DELIVERY_OUTCOMES = ("delivered", "failed", "dead")
INF = "+Inf"


def best_effort(record: Callable[P, None]) -> Callable[P, None]:
    """Counting never breaks the work it counts: a Redis error is logged, not raised."""

    @functools.wraps(record)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            record(*args, **kwargs)
        except redis.RedisError as exc:
            log.warning("metrics: %s not recorded: %s", record.__name__, type(exc).__name__)

    return wrapper


@best_effort
def record_poll(
    r: redis.Redis, page_id: str, outcome: str, fetched_bytes: int, full_bytes: int
) -> None:
    """One poll: its outcome, the bytes it fetched and what a full fetch would have cost; when
    it ended and since when the page fails (the board's health, monitor.board)."""
    now = time.time()
    with r.pipeline(transaction=False) as p:
        p.hincrby(keys.METRICS_POLLS, f"{page_id}|{outcome}", 1)
        if outcome in ("changed", "not_modified"):
            p.hset(keys.POLLED_AT, page_id, now)
            p.hdel(keys.FAILING_SINCE, page_id)
        elif outcome == "error":
            p.hset(keys.POLLED_AT, page_id, now)
            p.hsetnx(keys.FAILING_SINCE, page_id, now)
        if fetched_bytes:
            p.hincrby(keys.METRICS_BYTES, f"{page_id}|fetched", fetched_bytes)
        if full_bytes:
            p.hincrby(keys.METRICS_BYTES, f"{page_id}|full", full_bytes)
        p.execute()


@best_effort
def record_filtered(r: redis.Redis, page_id: str, count: int) -> None:
    """Events a page's filters held back (applied to its state, not printed)."""
    if count:
        r.hincrby(keys.METRICS_FILTERED, page_id, count)


@best_effort
def record_event(r: redis.Redis, kind: str) -> None:
    r.hincrby(keys.METRICS_EVENTS, kind, 1)


@best_effort
def record_dedup_hit(r: redis.Redis) -> None:
    """The notifier found an event already printed (notify outcome "duplicate")."""
    r.hincrby(keys.METRICS_NOTIFY, "duplicate", 1)


@best_effort
def record_held_back(r: redis.Redis) -> None:
    """A tick that sent no polls: Redis memory was past REDIS_MEMORY_HIGH (monitor.memory)."""
    r.incr(keys.METRICS_HELD_BACK)


@best_effort
def record_webhook_rejection(r: redis.Redis, reason: str) -> None:
    """`reason`: a fixed word (WEBHOOK_REASONS, rejection_reason), never request data."""
    r.hincrby(keys.METRICS_WEBHOOK_REJECTIONS, reason, 1)


def rejection_reason(status: int) -> str:
    return WEBHOOK_REASONS.get(status, f"http_{status}")


def record_delivery(
    r: redis.Redis, event: StatusEvent, outcome: str, now: datetime | None = None
) -> None:
    """The notifier's outcome for one event: printed (event by kind + detection lag),
    duplicate (a dedup hit); in_flight counts nothing (the retry will)."""
    if outcome == "printed":
        record_event(r, event.kind)
        occurred = event.occurred_at
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=UTC)
        observe_lag(r, ((now or datetime.now(UTC)) - occurred).total_seconds())
    elif outcome == "duplicate":
        record_dedup_hit(r)


@best_effort
def observe_lag(r: redis.Redis, seconds: float) -> None:
    """Provider publish time -> printed. Buckets are stored non-cumulative, summed at scrape."""
    seconds = max(0.0, seconds)
    bucket = next((le(b) for b in LAG_BUCKETS if seconds <= b), INF)
    with r.pipeline(transaction=True) as p:  # a scrape never sees the count without the sum
        p.hincrby(keys.METRICS_LAG, bucket, 1)
        p.hincrbyfloat(keys.METRICS_LAG, "sum", seconds)
        p.execute()


@best_effort
def record_channel(
    r: redis.Redis, channel: str, outcome: str, lag: float | None = None, error: str = ""
) -> None:
    """One delivery attempt's outcome (delivered, failed: to be retried, dead), the channel's
    status for `statusmon channels status`, and on delivery its lag since the line printed
    (buckets non-cumulative, as observe_lag's), in one round trip."""
    with r.pipeline(transaction=True) as p:  # a scrape never sees a lag count without its sum
        channel_commands(p, channel, outcome, lag, error)
        p.execute()


def channel_commands(
    p: redis.client.Pipeline, channel: str, outcome: str, lag: float | None, error: str
) -> None:
    """record_channel's commands, queued on `p` (monitor.sending adds them to the pipeline
    that records the delivery's outcome)."""
    now = str(time.time())
    p.hincrby(keys.METRICS_DELIVERIES, f"{channel}|{outcome}", 1)
    if outcome == "delivered":
        p.hset(keys.CHANNEL_STATUS, f"{channel}|last_success", now)
    else:
        p.hincrby(keys.CHANNEL_STATUS, f"{channel}|failures", 1)
        p.hset(keys.CHANNEL_STATUS, f"{channel}|last_failure", now)
        p.hset(keys.CHANNEL_STATUS, f"{channel}|last_error", error[:300])
    if lag is not None:
        lag = max(0.0, lag)
        bucket = next((le(b) for b in DELIVERY_LAG_BUCKETS if lag <= b), INF)
        p.hincrby(keys.METRICS_DELIVERY_LAG, bucket, 1)
        p.hincrbyfloat(keys.METRICS_DELIVERY_LAG, "sum", lag)


def le(bound: float) -> str:
    return str(float(bound))  # "1.0" … "86400.0", as prometheus_client writes `le`
