"""A line that could not be written is never acknowledged unprinted: its claim is released at
once, and the next try prints it, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor import keys, store
from monitor.events import StatusEvent
from monitor.notify import PRINTED, deliver


def event() -> StatusEvent:
    return StatusEvent(
        page_id="openai",
        page_name="OpenAI",
        provider="incidentio",
        kind="incident",
        product="OpenAI - Chat",
        status="investigating",
        status_raw="investigating",
        occurred_at=datetime(2025, 11, 18, 12, 34, 56, tzinfo=UTC),
        dedup_key="k-write-fails",
    )


def test_a_write_that_fails_releases_the_claim_and_the_next_try_prints_once(
    r: store.Redis,
) -> None:
    printed: list[StatusEvent] = []

    def broken(e: StatusEvent) -> None:
        raise UnicodeEncodeError("utf-8", "\ud83d", 0, 1, "surrogates not allowed")

    with pytest.raises(UnicodeEncodeError):
        deliver(r, event(), broken, dedup_ttl=600)
    assert not r.exists(keys.event(event().dedup_key))  # released, not held for CLAIM_TTL
    assert deliver(r, event(), printed.append, dedup_ttl=600) == "printed"
    assert deliver(r, event(), printed.append, dedup_ttl=600) == "duplicate"
    assert printed == [event()]
    assert r.get(keys.event(event().dedup_key)) == PRINTED
