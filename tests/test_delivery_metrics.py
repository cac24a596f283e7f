"""The channels' figures on GET /metrics: deliveries by channel and outcome, the delivery lag
histogram, retries pending and dead letters, as the engine records them."""

from __future__ import annotations

import time

from monitor import counters, delivery, keys, store
from tests.test_metrics import scrape


def test_deliveries_lag_pending_and_dead_letters_are_exported(
    r: store.Redis, redis_url: str
) -> None:
    counters.record_channel(r, "ops", "delivered", lag=0.3)
    counters.record_channel(r, "ops", "delivered", lag=4.0)
    counters.record_channel(r, "ops", "failed", error="HTTP 503")
    counters.record_channel(r, "pager", "dead", error="HTTP 400")
    r.zadd(keys.DELIVERIES_DUE, {"ops|k1": time.time(), "ops|k2": time.time()})
    r.hset(keys.delivery("pager", "k3"), mapping={"state": "sending", "entry": "1-0"})
    assert delivery.finish(r, "pager", "k3", "dead", "HTTP 400")
    s = scrape(redis_url)[2]
    assert s[("statusmon_deliveries_total", (("channel", "ops"), ("outcome", "delivered")))] == 2
    assert s[("statusmon_deliveries_total", (("channel", "ops"), ("outcome", "failed")))] == 1
    assert s[("statusmon_deliveries_total", (("channel", "pager"), ("outcome", "dead")))] == 1
    assert s[("statusmon_delivery_lag_seconds_bucket", (("le", "0.5"),))] == 1
    assert s[("statusmon_delivery_lag_seconds_bucket", (("le", "5.0"),))] == 2
    assert s[("statusmon_delivery_lag_seconds_count", ())] == 2
    assert s[("statusmon_delivery_lag_seconds_sum", ())] == 4.3
    assert s[("statusmon_deliveries_pending", ())] == 2
    assert s[("statusmon_dead_letters", (("channel", "pager"),))] == 1
    assert ("statusmon_queue_length", (("queue", "deliver"),)) in s


def test_a_channel_status_keeps_its_last_success_failures_and_last_error(r: store.Redis) -> None:
    counters.record_channel(r, "ops", "failed", error="HTTP 503")
    counters.record_channel(r, "ops", "delivered", lag=1.0)
    held = r.hgetall(keys.CHANNEL_STATUS)
    assert held["ops|failures"] == "1" and held["ops|last_error"] == "HTTP 503"
    assert abs(float(held["ops|last_success"]) - time.time()) < 60
