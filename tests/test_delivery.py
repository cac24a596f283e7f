"""The delivery engine on a real Redis and a loopback receiver, one attempt at a time (the
same calls the `deliver` task makes; test_delivery_e2e.py runs them on real workers)."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from monitor import delivery, keys, ratelimit, store
from monitor.channel_config import ChannelConfig
from monitor.channels.slack import SlackSender
from monitor.channels.webhook import WebhookSender
from monitor.eventlog import Recorder
from monitor.notify import deliver
from monitor.routing import Route
from monitor.sending import attempt
from monitor.signing import standard_key
from monitor.state import ComponentState, PageState
from tests.support import receivers
from tests.support.receivers import Receiver, Reply
from tests.test_channel_types import incident
from tests.test_eventlog import event

SECRET = "whsec_" + base64.b64encode(b"delivery-test-key-of-32-bytes!!!").decode()
UTC_ZONE = ZoneInfo("UTC")
SCHEDULE = (5.0, 30.0)


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def channel(url: str, name: str = "ops", rate: float = 100.0, burst: int = 10) -> ChannelConfig:
    return ChannelConfig(
        name, "webhook", WebhookSender(url, standard_key(SECRET)), Route(), rate, burst
    )


def printed(r: store.Redis, *channels: str) -> str:
    """Print and log event(), filing a delivery to each channel; its dedup key."""
    deliver(
        r,
        event(),
        lambda e: None,
        3600,
        recorder=Recorder(UTC_ZONE, 90, lambda e: (list(channels), "major_outage")),
    )
    return event().dedup_key


def send(r: store.Redis, config: ChannelConfig, key: str, deadline: float = 5) -> str:
    return attempt(r, config, key, UTC_ZONE, SCHEDULE, deadline)


def due(r: store.Redis, config: ChannelConfig, key: str) -> float | None:
    return r.zscore(keys.DELIVERIES_DUE, delivery.member(config.name, key))


def test_a_delivery_is_sent_once_however_often_its_task_comes(
    r: store.Redis, hooks: Receiver
) -> None:
    ops = channel(hooks.on("/h", receivers.standard_webhooks(SECRET)))
    key = printed(r, "ops")
    assert send(r, ops, key) == "delivered"
    assert send(r, ops, key) == "delivered"  # a redelivered task: already done, nothing sent
    assert len(hooks.at("/h")) == 1
    assert due(r, ops, key) is None
    assert r.hget(keys.CHANNEL_STATUS, "ops|last_success")


def test_a_500_then_a_200_is_delivered_once_with_the_same_webhook_id(
    r: store.Redis, hooks: Receiver
) -> None:
    ops = channel(hooks.on("/h", receivers.standard_webhooks(SECRET), Reply(500)))
    key = printed(r, "ops")
    before = time.time()
    assert send(r, ops, key) == "retry"
    next_due = due(r, ops, key)
    assert next_due is not None and before + 4 <= next_due <= time.time() + 6  # 5 s ± 20 %
    assert send(r, ops, key) == "delivered"
    first, second = hooks.at("/h")
    assert (first.status, second.status) == (500, 200)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == key
    held = r.hgetall(keys.delivery("ops", key))
    assert held["state"] == "delivered" and held["attempts"] == "2"


def test_a_retry_after_longer_than_the_schedule_is_honoured(
    r: store.Redis, hooks: Receiver
) -> None:
    ops = channel(hooks.on("/h", receivers.accept, Reply(429, {"Retry-After": "120"})))
    key = printed(r, "ops")
    assert send(r, ops, key) == "retry"
    next_due = due(r, ops, key)
    assert next_due is not None and next_due >= time.time() + 118


def test_a_permanent_refusal_is_a_dead_letter_at_once_with_its_error(
    r: store.Redis, hooks: Receiver
) -> None:
    ops = channel(hooks.on("/h", lambda body, headers: (404, "no_service")))
    key = printed(r, "ops")
    assert send(r, ops, key) == "dead"
    assert delivery.dead_letters(r) == [("ops", key, "HTTP 404: no_service")]
    assert delivery.dead_letter_count(r, time.time() - 60) == 1
    assert delivery.dead_letter_count(r, time.time() + 1) == 0
    assert due(r, ops, key) is None
    assert send(r, ops, key) == "dead"
    assert len(hooks.at("/h")) == 1


def test_after_the_last_attempt_the_delivery_is_a_dead_letter(
    r: store.Redis, hooks: Receiver
) -> None:
    ops = channel(hooks.on("/h", receivers.accept, Reply(503), Reply(503), Reply(503), Reply(200)))
    key = printed(r, "ops")
    assert [send(r, ops, key) for _ in range(3)] == ["retry", "retry", "dead"]
    assert delivery.dead_letters(r, "ops") == [("ops", key, "HTTP 503")]
    assert r.hget(keys.CHANNEL_STATUS, "ops|failures") == "3"


def test_an_attempt_whose_worker_died_is_begun_again_after_its_lease(r: store.Redis) -> None:
    key = printed(r, "ops")
    first = delivery.begin(r, "ops", key, deadline=-19.5)  # a lease of half a second
    assert isinstance(first, delivery.Attempt) and first.number == 1
    assert delivery.begin(r, "ops", key, deadline=5) == "busy"  # the attempt still holds it
    deadline = time.monotonic() + 5
    while isinstance(again := delivery.begin(r, "ops", key, deadline=5), str):
        assert again == "busy" and time.monotonic() < deadline
    assert again.number == 2 and again.entry == first.entry


def test_the_tick_takes_due_deliveries_once_until_their_lease_ends(r: store.Redis) -> None:
    key = printed(r, "ops", "pager")
    assert delivery.claim_due(r, time.time(), 30) == []  # filed due after the notifier's grace
    later = time.time() + 61
    assert sorted(delivery.claim_due(r, later, 30)) == [("ops", key), ("pager", key)]
    assert delivery.claim_due(r, later, 30) == []


def test_the_token_bucket_gives_waiting_senders_successive_slots(r: store.Redis) -> None:
    now = time.time()
    waits = [ratelimit.reserve(r, "slack", 1.0, 1, now) for _ in range(3)]
    assert waits == pytest.approx([0.0, 1.0, 2.0])
    assert ratelimit.reserve(r, "slack", 1.0, 1, now + 10) == 0.0  # refilled, up to the burst


def test_a_rate_limited_delivery_waits_for_its_slot_and_takes_no_second_token(
    r: store.Redis, hooks: Receiver
) -> None:
    ops = channel(hooks.on("/h", receivers.accept), rate=0.2, burst=1)
    ratelimit.reserve(r, "ops", 0.2, 1, time.time())  # the token of this second is taken
    key = printed(r, "ops")
    assert send(r, ops, key) == "postponed"
    slot = due(r, ops, key)
    assert slot is not None and time.time() + 4 < slot <= time.time() + 5
    assert r.hget(keys.delivery("ops", key), "attempts") == "0"
    assert send(r, ops, key) == "delivered"  # its slot is reserved: no token taken again
    assert len(hooks.at("/h")) == 1


def test_a_failing_channel_sends_one_attempt_at_a_time(r: store.Redis, hooks: Receiver) -> None:
    ops = channel(hooks.on("/h", receivers.accept))
    r.set(keys.channel_suspect("ops"), "1")
    r.set(keys.channel_busy("ops"), "another event", px=5000)  # another attempt is in flight
    key = printed(r, "ops")
    assert send(r, ops, key) == "postponed"
    assert hooks.at("/h") == []
    r.delete(keys.channel_busy("ops"))
    assert send(r, ops, key) == "delivered"
    assert not r.exists(keys.channel_suspect("ops"))  # a success clears it


class Broken:
    def wants(self, event: object) -> bool:
        return True

    def send(self, message: object, deadline: float) -> object:
        raise KeyError("a bug in a sender")


def test_a_bug_in_a_sender_is_a_failed_attempt_not_a_stuck_delivery(r: store.Redis) -> None:
    broken = replace(channel("http://127.0.0.1:9/"), sender=Broken())  # type: ignore[arg-type]
    key = printed(r, "ops")
    assert send(r, broken, key) == "retry"
    assert r.hget(keys.delivery("ops", key), "last_error") == "error in statusmon: KeyError"


def test_an_incident_whose_severity_the_notifier_left_open_is_judged_when_sent(
    r: store.Redis, hooks: Receiver
) -> None:
    url = hooks.on("/slack", receivers.slack)
    ops = ChannelConfig("ops", "slack", SlackSender(url), Route(), 100.0, 10)
    store.save_state(
        r, "gh", PageState(components={"c1": ComponentState("major_outage", "major_outage", "API")})
    )
    open_incident = incident()  # names component c1
    recorder = Recorder(UTC_ZONE, 90, lambda e: (["ops"], ""))
    deliver(r, open_incident, lambda e: None, 3600, recorder=recorder)
    assert send(r, ops, open_incident.dedup_key) == "delivered"
    assert hooks.at("/slack")[0].json()["attachments"][0]["color"] == "#e01e5a"  # major outage


def test_a_delivery_whose_attempts_keep_dying_with_their_worker_is_dead_lettered_in_the_end(
    r: store.Redis, hooks: Receiver
) -> None:
    ops = channel(hooks.on("/h", receivers.accept))
    key = printed(r, "ops")
    for _ in range(len(SCHEDULE) + 1):  # every attempt the schedule allows, each lost at once
        assert isinstance(delivery.begin(r, "ops", key, deadline=-30), delivery.Attempt)
    assert send(r, ops, key) == "dead"
    assert hooks.at("/h") == []
    ((_, _, why),) = delivery.dead_letters(r, "ops")
    assert why == "gave up after 3 attempts; the last ones never finished"


def test_a_healthy_channels_begin_takes_its_rate_limit_token_and_a_failing_ones_does_not(
    r: store.Redis,
) -> None:
    first, second = printed(r, "ops"), printed_another(r, "ops")
    begun = delivery.begin(r, "ops", first, deadline=5, rate=(1.0, 1))
    assert isinstance(begun, delivery.Attempt) and begun.wait == 0.0
    r.set(keys.channel_suspect("ops"), "1")  # failing: the attempt takes its token on its turn
    failing = delivery.begin(r, "ops", second, deadline=5, rate=(1.0, 1))
    assert isinstance(failing, delivery.Attempt) and failing.wait is None
    assert ratelimit.reserve(r, "ops", 1.0, 1, time.time()) == pytest.approx(1.0, abs=0.1)


def test_a_healthy_attempt_costs_one_script_to_begin_and_one_transaction_to_finish(
    own_redis: str, hooks: Receiver
) -> None:
    mine = store.connect(own_redis)
    ops = channel(hooks.on("/h", receivers.accept))
    key = printed(mine, "ops")
    mine.config_resetstat()
    assert send(mine, ops, key) == "delivered"
    calls = {
        name.removeprefix("cmdstat_"): stats["calls"]
        for name, stats in mine.info("commandstats").items()
    }
    assert (calls["eval"], calls["multi"], calls["exec"]) == (2, 1, 1)  # begin; finish + metrics
    assert mine.hget(keys.METRICS_DELIVERIES, "ops|delivered") == "1"
    assert mine.hget(keys.delivery("ops", key), "state") == delivery.DELIVERED
    mine.close()


def printed_another(r: store.Redis, *channels: str) -> str:
    other = replace(event(), dedup_key="another", update_id="another")
    recorder = Recorder(UTC_ZONE, 90, lambda e: (list(channels), "major_outage"))
    deliver(r, other, lambda e: None, 3600, recorder=recorder)
    return other.dedup_key
