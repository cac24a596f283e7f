"""Back-pressure before Redis is full, in one process on a real Redis: INFO memory against
REDIS_MEMORY_HIGH of maxmemory, read at most once every few seconds, told by /health and
/metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from monitor import counters, store
from monitor.memory import READ_EVERY, MemoryGauge, PollGate
from monitor.pages import ConfigError
from monitor.settings import load_settings
from monitor.web.health import Health
from tests.support.memory import drain, fill_to, maxmemory_restored
from tests.test_metrics import scrape


@pytest.fixture
def tight(r: store.Redis) -> Iterator[store.Redis]:
    with maxmemory_restored(r):
        yield r


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_redis_without_maxmemory_is_never_high(tight: store.Redis) -> None:
    tight.config_set("maxmemory", 0)
    memory = MemoryGauge(tight, 0.01).read()
    assert memory.limit == 0 and not memory.high and memory.ratio == 0.0


def test_memory_past_the_share_of_maxmemory_is_high_and_below_it_is_not(
    tight: store.Redis,
) -> None:
    fill_to(tight, 0.9)
    assert MemoryGauge(tight, 0.8).read().high
    assert not MemoryGauge(tight, 0.95).read().high
    drain(tight)
    assert not MemoryGauge(tight, 0.8).read().high


def test_info_memory_is_read_at_most_once_every_few_seconds(tight: store.Redis) -> None:
    clock = Clock()
    gauge = MemoryGauge(tight, 0.8, clock=clock)
    fill_to(tight, 0.5)
    assert not gauge.read().high
    fill_to(tight, 0.9)
    clock.now += READ_EVERY - 0.1
    assert not gauge.read().high  # the last reading, still fresh
    clock.now += 0.2
    assert gauge.read().high


def test_the_gate_closes_past_the_threshold_and_opens_below_it_saying_so_once(
    tight: store.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    gate = PollGate(MemoryGauge(tight, 0.8, clock=clock))
    assert gate.open()
    fill_to(tight, 0.9)
    clock.now += READ_EVERY
    assert not gate.open()
    clock.now += READ_EVERY
    assert not gate.open()
    drain(tight)
    clock.now += READ_EVERY
    assert gate.open()
    said = [rec.getMessage() for rec in caplog.records if rec.name == "statusmon.memory"]
    assert len(said) == 2
    assert "polls held back" in said[0] and "polls resumed" in said[1]


def test_health_is_503_and_names_memory_while_polls_are_held_back(tight: store.Redis) -> None:
    health = Health(tight, lambda: None, stale_after=60, memory_high=0.8)
    body, _ = health.check(0.0)
    assert body["memory"] == "ok"
    fill_to(tight, 0.9)
    body, status = Health(tight, lambda: None, stale_after=60, memory_high=0.8).check(0.0)
    assert status == 503 and body["status"] == "unhealthy" and body["memory"] == "unhealthy"


def test_metrics_show_redis_memory_and_the_ticks_held_back(
    tight: store.Redis, redis_url: str
) -> None:
    counters.record_held_back(tight)
    counters.record_held_back(tight)
    fill_to(tight, 0.9)
    status, _, found = scrape(redis_url)
    assert status == 200
    assert found[("statusmon_redis_memory_high", ())] == 1.0
    assert found[("statusmon_ticks_held_back_total", ())] == 2.0
    limit = found[("statusmon_redis_memory_max_bytes", ())]
    assert found[("statusmon_redis_memory_used_bytes", ())] >= 0.8 * limit
    drain(tight)
    assert scrape(redis_url)[2][("statusmon_redis_memory_high", ())] == 0.0


@pytest.mark.parametrize("value", ["0", "1.5", "-0.2", "most"])
def test_a_share_outside_zero_to_one_is_refused_by_name(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"REDIS_MEMORY_HIGH": value})
    assert any(p.startswith("REDIS_MEMORY_HIGH:") for p in caught.value.problems)


def test_the_share_is_read_from_redis_memory_high() -> None:
    assert load_settings({}).redis_memory_high == 0.8
    assert load_settings({"REDIS_MEMORY_HIGH": "0.6"}).redis_memory_high == 0.6
