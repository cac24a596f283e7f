"""Prometheus metrics for the whole system, whatever the number of processes and containers.

Every process adds to counters in Redis hashes (`keys.METRICS_*`, HINCRBY); GET /metrics reads
them all in one pipelined round trip and renders them with a custom Collector, so a scrape of
any web process sees every worker's figures. No per-process state, no multiprocess directory.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ParamSpec, cast, get_args

import redis
from flask import Blueprint, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from monitor import keys, store
from monitor.events import EventKind, StatusEvent

log = logging.getLogger("statusmon.metrics")
P = ParamSpec("P")

OUTCOMES = ("changed", "not_modified", "error", "backed_off", "busy")  # monitor.poll.PollResult
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
LAG_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400)  # seconds
QUEUES = ("control", "poll", "notify")  # Celery's Redis lists (celeryconfig.task_routes)
ROLES = ("beat", "poll", "notifier")  # store.heartbeat roles
BODY_SIZE_TTL = 30 * 86400  # seconds the last full body size of a URL is remembered
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
_INF = "+Inf"
# The classic text format, which generate_latest writes; every Prometheus version reads it.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


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
    """One poll: its outcome, the bytes it fetched and what a full fetch would have cost."""
    with r.pipeline(transaction=False) as p:
        p.hincrby(keys.METRICS_POLLS, f"{page_id}|{outcome}", 1)
        if fetched_bytes:
            p.hincrby(keys.METRICS_BYTES, f"{page_id}|fetched", fetched_bytes)
        if full_bytes:
            p.hincrby(keys.METRICS_BYTES, f"{page_id}|full", full_bytes)
        p.execute()


def record_filtered(r: redis.Redis, page_id: str, count: int) -> None:
    """Events a page's filters held back (applied to its state, not printed)."""
    if count:
        r.hincrby(keys.METRICS_FILTERED, page_id, count)


def full_size(r: redis.Redis, url: str, body_size: int | None) -> int:
    """What a full fetch of `url` costs: a body's own size (remembered for later), or for a
    304 (`body_size` None) the last size remembered; 0 before the first full fetch."""
    key = keys.body_size(url)
    try:
        if body_size is not None:
            r.set(key, body_size, ex=BODY_SIZE_TTL)
            return body_size
        raw = r.get(key)
    except redis.RedisError as exc:
        log.warning("metrics: body size of a URL unknown: %s", type(exc).__name__)
        return body_size or 0
    return int(raw) if raw else 0


@best_effort
def record_event(r: redis.Redis, kind: str) -> None:
    r.hincrby(keys.METRICS_EVENTS, kind, 1)


@best_effort
def record_dedup_hit(r: redis.Redis) -> None:
    """The notifier found an event already printed (notify outcome "duplicate")."""
    r.hincrby(keys.METRICS_NOTIFY, "duplicate", 1)


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
    bucket = next((_le(b) for b in LAG_BUCKETS if seconds <= b), _INF)
    with r.pipeline(transaction=True) as p:  # a scrape never sees the count without the sum
        p.hincrby(keys.METRICS_LAG, bucket, 1)
        p.hincrbyfloat(keys.METRICS_LAG, "sum", seconds)
        p.execute()


def _le(bound: float) -> str:
    return str(float(bound))  # "1.0" … "86400.0", as prometheus_client writes `le`


class StatusmonCollector:
    """Reads every counter at scrape time: one pipeline, one round trip."""

    def __init__(self, r: redis.Redis) -> None:
        self.redis = r

    def collect(self) -> Iterator[Metric]:
        with self.redis.pipeline(transaction=False) as p:
            p.hkeys(keys.PAGES)
            for key in (keys.METRICS_POLLS, keys.METRICS_BYTES, keys.METRICS_EVENTS):
                p.hgetall(key)
            for key in (keys.METRICS_NOTIFY, keys.METRICS_WEBHOOK_REJECTIONS, keys.METRICS_LAG):
                p.hgetall(key)
            p.hgetall(keys.METRICS_FILTERED)
            for queue in QUEUES:
                p.llen(queue)
            p.mget([keys.alive(role) for role in ROLES])
            pages, polls, size, events, notify, rejected, lag, filtered, *rest = p.execute()
        queued, seen = rest[: len(QUEUES)], rest[len(QUEUES)]
        yield from _polls(_text(pages), _hash(polls), _hash(size))
        yield _counter("events", "Events printed, by kind.", "kind", _hash(events), EVENT_KINDS)
        hits = CounterMetricFamily(
            "statusmon_dedup_hits", "Events dropped by the notifier: already printed."
        )
        hits.add_metric([], float(_hash(notify).get("duplicate", 0)))
        yield hits
        yield _counter(
            "webhook_rejections", "Webhook requests refused, by reason.", "reason", _hash(rejected)
        )
        yield _counter(
            "filtered_events", "Events held back by page filters.", "page", _hash(filtered)
        )
        yield _lag(_hash(lag))
        depth = GaugeMetricFamily("statusmon_queue_length", "Tasks waiting.", labels=["queue"])
        for queue, length in zip(QUEUES, queued, strict=True):
            depth.add_metric([queue], float(length))
        yield depth
        alive = GaugeMetricFamily(
            "statusmon_last_seen_timestamp_seconds",
            "Last heartbeat of each role (beat: last tick run).",
            labels=["role"],
        )
        for role, stamp in zip(ROLES, _text(seen), strict=True):
            if stamp:
                alive.add_metric([role], float(stamp))
        yield alive


def _polls(pages: list[str], polls: dict[str, str], size: dict[str, str]) -> Iterator[Metric]:
    family = CounterMetricFamily(
        "statusmon_polls", "Polls by page and outcome.", labels=["page", "outcome"]
    )
    counts = {(p, o): 0.0 for p in pages for o in OUTCOMES}  # known pages start at 0
    for field, value in polls.items():
        page, _, outcome = field.rpartition("|")
        counts[(page, outcome)] = float(value)
    for labels, count in sorted(counts.items()):
        family.add_metric(list(labels), count)
    yield family
    fetched = CounterMetricFamily(
        "statusmon_fetched_bytes", "Response bytes fetched, by page.", labels=["page"]
    )
    full = CounterMetricFamily(
        "statusmon_full_fetch_bytes",
        "Bytes the same polls would have fetched without conditional requests, by page.",
        labels=["page"],
    )
    for page in sorted({p for p, _ in counts} | {f.rpartition("|")[0] for f in size}):
        fetched.add_metric([page], float(size.get(f"{page}|fetched", 0)))
        full.add_metric([page], float(size.get(f"{page}|full", 0)))
    yield fetched
    yield full


def _counter(
    name: str, doc: str, label: str, values: dict[str, str], known: Iterable[str] = ()
) -> CounterMetricFamily:
    family = CounterMetricFamily(f"statusmon_{name}", doc, labels=[label])
    for key, value in sorted({**dict.fromkeys(known, "0"), **values}.items()):
        family.add_metric([key], float(value))
    return family


def _lag(stored: dict[str, str]) -> HistogramMetricFamily:
    buckets, total = [], 0.0
    for bound in [*map(_le, LAG_BUCKETS), _INF]:
        total += float(stored.get(bound, 0))
        buckets.append((bound, total))
    return HistogramMetricFamily(
        "statusmon_detection_lag_seconds",
        "Provider publish time to printed line.",
        buckets=buckets,
        sum_value=float(stored.get("sum", 0)),
    )


def _text(values: Any) -> Any:
    if isinstance(values, bytes):
        return values.decode()
    if isinstance(values, list):
        return [_text(v) for v in values]
    return values


def _hash(raw: Any) -> dict[str, str]:
    return cast(dict[str, str], {_text(k): _text(v) for k, v in (raw or {}).items()})


def metrics_blueprint(redis_url: str) -> Blueprint:
    """GET /metrics in Prometheus text format, read from the Redis at `redis_url`."""
    registry = CollectorRegistry()
    registry.register(StatusmonCollector(store.connect(redis_url)))
    blueprint = Blueprint("metrics", __name__)

    @blueprint.get("/metrics")
    def metrics() -> Response:
        try:
            body = generate_latest(registry)
        except redis.RedisError as exc:
            log.warning("metrics: Redis unavailable: %s", exc)
            return Response("Redis unavailable\n", status=503, mimetype="text/plain")
        return Response(body, content_type=CONTENT_TYPE)

    return blueprint
