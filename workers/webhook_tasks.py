"""The webhook task: `statusmon.ingest` (on the `control` queue: it never waits behind polls)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from monitor.errors import ParseError
from monitor.ingest import PageBusy, hint_due, ingest
from monitor.registry import load_page
from workers.celery_app import app
from workers.runtime import RuntimeTask
from workers.tasks import enqueue_events, poll

log = logging.getLogger("statusmon.tasks")
BUSY_RETRY = 5  # seconds before a webhook whose page stayed locked tries again


@app.task(name="statusmon.ingest", base=RuntimeTask, bind=True, max_retries=60)
def ingest_webhook(self: RuntimeTask, page_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Print what the payload adds, then poll the page as a hint for what it leaves out."""
    page = load_page(self.redis, page_id)
    if page is None:
        log.warning("webhook for unknown page %s dropped", page_id, extra={"page_id": page_id})
        return {"outcome": "unknown_page", "notify": [], "hint": None}
    sent: list[str] = []
    try:
        ingest(self.redis, page, payload, lambda e: sent.extend(enqueue_events(e)), _now())
    except PageBusy:
        raise self.retry(countdown=BUSY_RETRY) from None
    except ParseError as exc:  # permanent: the web process checked the shape, so rare
        log.warning("page %s: unreadable webhook, no events: %s", page_id, exc)
        return {"outcome": "error", "notify": [], "hint": None}
    hint = None
    if hint_due(self.redis, page_id):
        hint = poll.apply_async((page_id,), expires=page.interval).id
    return {"outcome": "ingested", "notify": sent, "hint": hint}


def _now() -> datetime:
    return datetime.now(UTC)
