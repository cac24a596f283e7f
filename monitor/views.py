"""The read API's answers as plain data (monitor.web.api serves them as JSON).

Nothing here is secret: page configs are reduced to id, name and URL (without credentials);
webhook settings, filters and labels are never read.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, cast

import redis

from monitor import keys
from monitor.boardmodel import IncidentView, PageView
from monitor.eventlog import Entry, Raw, parse_entry
from monitor.output import human, status_text

STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
MAX_LIMIT = 1000


class BadRequest(ValueError):
    """A query the API refuses (400): its message is shown to the client."""


def page_row(page: PageView) -> dict[str, Any]:
    return {
        "id": page.id,
        "name": page.name,
        "url": page.url,
        "status": page.status,
        "status_text": human(page.status),
        "open_incidents": len(page.incidents),
        "last_poll": _iso(page.polled_at),
        "health": health(page),
    }


def page_detail(page: PageView) -> dict[str, Any]:
    return page_row(page) | {
        "components": [
            {"id": c.id, "name": c.name, "group": c.group, "status": c.status}
            for c in page.components
        ],
        "incidents": [incident(i) for i in page.incidents],
    }


def health(page: PageView) -> dict[str, Any]:
    return {
        "reachable": not page.unreachable,
        "failing_since": _iso(page.failing_since),
        "interval": page.interval,
    }


def incident(inc: IncidentView) -> dict[str, Any]:
    return {
        "id": inc.id,
        "name": inc.name,
        "phase": inc.phase,
        "status": inc.status,
        "maintenance": inc.maintenance,
        "url": inc.url,
        "started_at": inc.started_at.isoformat() if inc.started_at else None,
        "components": list(inc.component_ids),
        "updates": [
            {"status": u.status, "body": u.body, "at": u.at.isoformat()} for u in inc.updates
        ],
    }


def event_row(entry: Entry) -> dict[str, Any]:
    return {"id": entry.id, "printed_at": entry.printed_at.isoformat()} | (
        entry.event.to_dict() | {"status_text": status_text(entry.event)}
    )


def events(
    r: redis.Redis,
    page: str | None = None,
    since: str | None = None,
    cursor: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    """Entries after `cursor` (a stream id; else from `since`, else the oldest kept), oldest
    first, at most `limit`; `next_cursor` continues after the last entry looked at, so a
    reader that follows it never skips or repeats an entry while others are appended."""
    count = _limit(limit)
    if cursor is not None:
        if not STREAM_ID.match(cursor):
            raise BadRequest("cursor: not a cursor this API gave")
        start = "(" + cursor
    elif since is not None:
        start = f"{int(_since(since).timestamp() * 1000)}-0"
    else:
        start = "-"
    found: list[Entry] = []
    last = cursor
    while len(found) < count:
        batch = max(count - len(found), 100)
        chunk = cast(Raw, r.xrange(keys.EVENTS, start, "+", count=batch))
        for entry_id, fields in chunk:
            last = entry_id
            if page is None or fields.get("page") == page:
                found.append(parse_entry(entry_id, fields))
                if len(found) == count:
                    break
        if len(chunk) < batch:
            break
        start = "(" + chunk[-1][0]
    return {"events": [event_row(e) for e in found], "next_cursor": last}


def _limit(raw: str | None) -> int:
    if raw is None:
        return 100
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit: a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def _since(raw: str) -> datetime:
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest("since: an ISO-8601 time, e.g. 2026-01-31T12:00:00Z") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()
