"""Redis memory in /metrics: used and maxmemory bytes, whether polls are held back for it
(REDIS_MEMORY_HIGH, monitor.memory) and how many ticks sent no polls for that reason."""

from __future__ import annotations

from collections.abc import Iterator

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from monitor import keys
from monitor.memory import MemoryGauge


class MemoryCollector:
    def __init__(self, r: redis.Redis, high_at: float) -> None:
        self.redis = r
        self.gauge = MemoryGauge(r, high_at, every=0.0)  # a scrape reads it afresh

    def collect(self) -> Iterator[Metric]:
        memory = self.gauge.read()
        held = self.redis.get(keys.METRICS_HELD_BACK)
        yield _gauge("redis_memory_used_bytes", "Redis used_memory.", memory.used)
        yield _gauge("redis_memory_max_bytes", "Redis maxmemory (0: no limit).", memory.limit)
        yield _gauge(
            "redis_memory_high",
            "1 while Redis memory is past REDIS_MEMORY_HIGH of maxmemory: polls held back.",
            int(memory.high),
        )
        ticks = CounterMetricFamily(
            "statusmon_ticks_held_back", "Ticks that sent no polls: Redis memory was high."
        )
        ticks.add_metric([], float(held or 0))
        yield ticks


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"statusmon_{name}", doc, value=float(value))
