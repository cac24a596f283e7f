"""Domain metrics: counters in Redis that every process adds to, read by one collector at
scrape time and served as Prometheus text on GET /metrics."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import redis
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from redis.backoff import NoBackoff
from redis.retry import Retry

from monitor import counters, keys, store
from monitor.cli.redis_server import free_port
from monitor.events import StatusEvent
from monitor.store import Validators
from monitor.web import metrics
from tests.paths import ROOT

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(redis_url: str) -> tuple[int, str, Samples]:
    app = Flask("test")
    app.register_blueprint(metrics.metrics_blueprint(redis_url))
    response = app.test_client().get("/metrics")
    text = response.get_data(as_text=True)
    if response.status_code != 200:
        return response.status_code, response.content_type, {}
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    return response.status_code, response.content_type, found


def event(kind: str = "component", occurred: datetime | None = None) -> StatusEvent:
    return StatusEvent(
        page_id="claude",
        page_name="Claude",
        provider="statuspage",
        kind="incident" if kind == "incident" else "component",
        product="Claude - API",
        status="degraded",
        status_raw="degraded_performance",
        occurred_at=occurred or datetime.now(UTC),
        dedup_key="k",
    )


def polls(s: Samples, page: str, outcome: str) -> float:
    return s[("statusmon_polls_total", (("outcome", outcome), ("page", page)))]


def test_polls_are_counted_by_page_and_outcome_with_every_known_page_listed(
    r: store.Redis, redis_url: str
) -> None:
    r.hset(keys.PAGES, mapping={"claude": "{}", "github": "{}"})
    counters.record_poll(r, "claude", "changed", 1200, 1200)
    counters.record_poll(r, "claude", "not_modified", 0, 1200)
    counters.record_poll(r, "claude", "not_modified", 0, 1200)
    counters.record_poll(r, "github", "backed_off", 0, 0)

    status, content_type, s = scrape(redis_url)

    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    assert polls(s, "claude", "changed") == 1 and polls(s, "claude", "not_modified") == 2
    assert polls(s, "github", "backed_off") == 1 and polls(s, "github", "error") == 0
    assert s[("statusmon_fetched_bytes_total", (("page", "claude"),))] == 1200
    assert s[("statusmon_full_fetch_bytes_total", (("page", "claude"),))] == 3600


def test_a_304_would_have_cost_the_last_full_body_of_its_url(r: store.Redis) -> None:
    url = "https://status.example.com/api/v2/summary.json"
    assert store.load_validators_many(r, [url])[1] == {url: 0}  # never fetched in full
    store.save_validators_many(r, {url: (Validators(etag='"a"'), 5000)})  # a 200, remembered
    store.save_validators_many(r, {url: (Validators(etag='"b"'), None)})  # a 304 keeps it
    assert store.load_validators_many(r, [url, url + "?other"])[1] == {url: 5000, url + "?other": 0}
    assert 0 < r.ttl(keys.body_size(url)) <= keys.BODY_SIZE_TTL


def test_deliveries_count_events_by_kind_dedup_hits_and_detection_lag(
    r: store.Redis, redis_url: str
) -> None:
    now = datetime(2026, 9, 4, 12, 0, tzinfo=UTC)
    counters.record_delivery(r, event("component", now - timedelta(seconds=4)), "printed", now)
    counters.record_delivery(r, event("incident", now - timedelta(seconds=45)), "printed", now)
    counters.record_delivery(r, event("incident", now - timedelta(days=3)), "printed", now)
    counters.record_delivery(r, event("incident"), "duplicate", now)
    counters.record_delivery(r, event("incident"), "in_flight", now)

    s = scrape(redis_url)[2]

    assert s[("statusmon_events_total", (("kind", "component"),))] == 1
    assert s[("statusmon_events_total", (("kind", "incident"),))] == 2
    assert s[("statusmon_events_total", (("kind", "maintenance"),))] == 0
    assert s[("statusmon_dedup_hits_total", ())] == 1
    bucket = {
        le: s[("statusmon_detection_lag_seconds_bucket", (("le", le),))]
        for le in ("2.0", "5.0", "30.0", "60.0", "86400.0", "+Inf")
    }
    assert bucket == {"2.0": 0, "5.0": 1, "30.0": 1, "60.0": 2, "86400.0": 2, "+Inf": 3}
    assert s[("statusmon_detection_lag_seconds_count", ())] == 3
    assert s[("statusmon_detection_lag_seconds_sum", ())] == 4 + 45 + 3 * 86400


def test_a_provider_clock_ahead_of_ours_counts_as_no_lag(r: store.Redis, redis_url: str) -> None:
    counters.observe_lag(r, -3.0)
    s = scrape(redis_url)[2]
    assert s[("statusmon_detection_lag_seconds_bucket", (("le", "1.0"),))] == 1
    assert s[("statusmon_detection_lag_seconds_sum", ())] == 0


def test_webhook_rejections_are_counted_by_a_fixed_reason(r: store.Redis, redis_url: str) -> None:
    counters.record_webhook_rejection(r, counters.rejection_reason(401))
    counters.record_webhook_rejection(r, counters.rejection_reason(401))
    counters.record_webhook_rejection(r, counters.rejection_reason(418))
    s = scrape(redis_url)[2]
    assert s[("statusmon_webhook_rejections_total", (("reason", "unauthorized"),))] == 2
    assert s[("statusmon_webhook_rejections_total", (("reason", "http_418"),))] == 1


def test_counters_add_up_across_processes(r: store.Redis, redis_url: str) -> None:
    code = (
        "import sys; from monitor import counters, store; "
        "r = store.connect(sys.argv[1]); "
        "[counters.record_poll(r, 'claude', 'changed', 10, 10) for _ in range(3)]"
    )
    others = [subprocess.Popen([sys.executable, "-c", code, redis_url], cwd=ROOT) for _ in range(2)]
    counters.record_poll(r, "claude", "changed", 10, 10)
    assert [p.wait(60) for p in others] == [0, 0]
    s = scrape(redis_url)[2]
    assert polls(s, "claude", "changed") == 7
    assert s[("statusmon_fetched_bytes_total", (("page", "claude"),))] == 70


def test_queue_lengths_and_heartbeats_are_exported(r: store.Redis, redis_url: str) -> None:
    store.heartbeat(r, "notifier")
    s = scrape(redis_url)[2]
    assert ("statusmon_queue_length", (("queue", "poll"),)) in s
    assert ("statusmon_queue_length", (("queue", "notify"),)) in s
    seen = s[("statusmon_last_seen_timestamp_seconds", (("role", "notifier"),))]
    assert abs(seen - datetime.now(UTC).timestamp()) < 60


def test_metrics_answer_503_when_redis_is_down() -> None:
    status, _, _ = scrape(f"redis://127.0.0.1:{free_port()}/0")
    assert status == 503


def test_recording_never_breaks_the_work_it_counts() -> None:
    down = redis.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))  # fail at once
    counters.record_poll(down, "claude", "changed", 1, 1)
    counters.record_delivery(down, event(), "printed")
    counters.record_webhook_rejection(down, "unauthorized")
    assert counters.record_filtered(down, "claude", 1) is None
    down.close()
