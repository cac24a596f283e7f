"""A status event for tests that need one printed and nothing particular in it: a component of
a Statuspage page going to major outage."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.events import StatusEvent

AT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def an_outage(
    dedup_key: str, page_id: str = "claude", page_name: str = "Claude", at: datetime = AT
) -> StatusEvent:
    return StatusEvent(
        page_id=page_id,
        page_name=page_name,
        provider="statuspage",
        kind="component",
        product="API",
        status="major_outage",
        status_raw="major_outage",
        occurred_at=at,
        dedup_key=dedup_key,
    )
