"""GET /metrics: every counter of monitor.counters (and the queues and heartbeats), read at
scrape time in one pipelined round trip and rendered in Prometheus text format."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any, cast

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
from monitor.counters import EVENT_KINDS, INF, LAG_BUCKETS, OUTCOMES, le
from monitor.sentinel import SentinelConfig
from monitor.web.delivery_metrics import DeliveryCollector
from monitor.web.memory_metrics import MemoryCollector

log = logging.getLogger("statusmon.metrics")
# The classic text format, which generate_latest writes; every Prometheus version reads it.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


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
            for queue in keys.QUEUES:
                p.llen(queue)
            p.mget([keys.alive(role) for role in keys.ROLES])
            pages, polls, size, events, notify, rejected, lag, filtered, *rest = p.execute()
        queued, seen = rest[: len(keys.QUEUES)], rest[len(keys.QUEUES)]
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
        for queue, length in zip(keys.QUEUES, queued, strict=True):
            depth.add_metric([queue], float(length))
        yield depth
        alive = GaugeMetricFamily(
            "statusmon_last_seen_timestamp_seconds",
            "Last heartbeat of each role (beat: last tick run).",
            labels=["role"],
        )
        for role, stamp in zip(keys.ROLES, _text(seen), strict=True):
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
    for bound in [*map(le, LAG_BUCKETS), INF]:
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


def metrics_blueprint(where: str | SentinelConfig, memory_high: float = 0.8) -> Blueprint:
    """GET /metrics in Prometheus text format, read from `where` (a URL, or the sentinels);
    `memory_high`: REDIS_MEMORY_HIGH, for statusmon_redis_memory_high."""
    registry = CollectorRegistry()
    registry.register(StatusmonCollector(store.connect(where)))
    registry.register(DeliveryCollector(store.connect(where)))
    registry.register(MemoryCollector(store.connect(where), memory_high))
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
