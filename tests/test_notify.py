"""Claim-then-print on a real Redis: one line per event however many claimants; at-least-once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from monitor import keys, store
from monitor.events import StatusEvent, dedup_key
from monitor.notify import deliver
from tests.support.keyspace import wait_for_expiry


def event(update: str = "u1") -> StatusEvent:
    return StatusEvent(
        page_id="gh",
        page_name="GitHub",
        provider="statuspage",
        kind="incident",
        product="GitHub - Actions",
        status="investigating",
        status_raw="investigating",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        dedup_key=dedup_key("gh", "incident", "i1", update),
        body="Looking.",
        incident_id="i1",
        update_id=update,
    )


def test_ten_concurrent_claimants_print_an_event_exactly_once(
    r: store.Redis, redis_url: str
) -> None:
    printed: list[str] = []
    outcomes: list[str] = []
    start = threading.Barrier(10)

    def claimant() -> None:
        client = store.connect(redis_url)  # each claimant on its own connection
        start.wait()
        outcomes.append(deliver(client, event(), lambda e: printed.append(e.dedup_key), 60))

    threads = [threading.Thread(target=claimant) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert printed == [event().dedup_key]
    assert outcomes.count("printed") == 1
    assert set(outcomes) <= {"printed", "duplicate", "in_flight"}


def test_a_second_delivery_of_a_printed_event_is_a_duplicate(r: store.Redis) -> None:
    printed: list[StatusEvent] = []
    assert deliver(r, event(), printed.append, 60) == "printed"
    assert deliver(r, event(), printed.append, 60) == "duplicate"
    assert len(printed) == 1


def test_the_dedup_key_is_remembered_for_the_dedup_ttl(r: store.Redis) -> None:
    deliver(r, event(), lambda e: None, 3600)
    assert 3590 < r.ttl(keys.event(event().dedup_key)) <= 3600


def test_a_crash_between_claim_and_print_is_printed_by_the_next_delivery(r: store.Redis) -> None:
    def crash(e: StatusEvent) -> None:
        raise KeyboardInterrupt("notifier killed mid-print")

    with pytest.raises(KeyboardInterrupt):
        deliver(r, event(), crash, 60, claim_ttl=1)
    printed: list[StatusEvent] = []
    assert deliver(r, event(), printed.append, 60) == "in_flight"  # the claim still stands
    wait_for_expiry(r, keys.event(event().dedup_key), timeout=5)  # the claim_ttl runs out
    assert deliver(r, event(), printed.append, 60) == "printed"
    assert len(printed) == 1


def test_the_key_comes_from_the_data_not_from_the_payload() -> None:
    assert event().dedup_key == dedup_key("gh", "incident", "i1", "u1")
    assert event("u2").dedup_key != event("u1").dedup_key
    assert len(event().dedup_key) == 32
