"""The channels' figures in /metrics: deliveries by channel and outcome, delivery lag (printed
-> accepted by the receiver), retries pending and dead letters. Read at scrape time, in one
pipelined round trip, from what monitor.counters and monitor.delivery write."""

from __future__ import annotations

from collections.abc import Iterator

import redis
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from monitor import keys
from monitor.counters import DELIVERY_LAG_BUCKETS, INF, le


class DeliveryCollector:
    def __init__(self, r: redis.Redis) -> None:
        self.redis = r

    def collect(self) -> Iterator[Metric]:
        with self.redis.pipeline(transaction=False) as p:
            p.hgetall(keys.METRICS_DELIVERIES)
            p.hgetall(keys.METRICS_DELIVERY_LAG)
            p.zcard(keys.DELIVERIES_DUE)
            p.zrange(keys.DEAD_LETTERS, 0, -1)
            outcomes, lag, pending, dead = p.execute()
        family = CounterMetricFamily(
            "statusmon_deliveries",
            "Delivery attempts by channel and outcome (delivered, failed: retried, dead).",
            labels=["channel", "outcome"],
        )
        for field, value in sorted(outcomes.items()):
            channel, _, outcome = field.rpartition("|")
            family.add_metric([channel, outcome], float(value))
        yield family
        buckets, total = [], 0.0
        for bound in [*map(le, DELIVERY_LAG_BUCKETS), INF]:
            total += float(lag.get(bound, 0))
            buckets.append((bound, total))
        yield HistogramMetricFamily(
            "statusmon_delivery_lag_seconds",
            "Printed line to a channel's receiver accepting it.",
            buckets=buckets,
            sum_value=float(lag.get("sum", 0)),
        )
        yield GaugeMetricFamily(
            "statusmon_deliveries_pending",
            "Deliveries waiting: retries on their schedule, rate-limited or in flight.",
            value=float(pending),
        )
        letters = GaugeMetricFamily(
            "statusmon_dead_letters", "Deliveries given up, by channel.", labels=["channel"]
        )
        per_channel: dict[str, int] = {}
        for member in dead:
            channel = member.split("|", 1)[0]
            per_channel[channel] = per_channel.get(channel, 0) + 1
        for channel, count in sorted(per_channel.items()):
            letters.add_metric([channel], float(count))
        yield letters
