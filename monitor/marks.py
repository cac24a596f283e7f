"""A platform's marks: what a summary that parsed must also show to be that platform's own page,
not another platform's look-alike (monitor.probe refuses an answer without them): Statuspage's
`incidents`, `status.indicator` and 12-character page id (incident.io's reduced copy of its
summary has ULID ids and no incidents), Instatus's upper-case statuses, Better Stack's
`type: status_page`, Slack's `ok | active`, a non-empty Google Cloud history. incident.io, AWS
and the RSS/Atom feed have none: a parse is all that is asked of them (the feed, which other
platforms serve too, is tried last).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from monitor.adapters.jsonshape import loads

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_CODE = re.compile(r"^[a-z0-9]{12}$")  # Statuspage's page and component ids


def foreign(kind: str, body: bytes) -> str | None:
    """Why a body that parsed is still not `kind`'s own page; None when it is."""
    check = _MARKS.get(kind)
    return check(loads(body, kind)) if check else None


def _statuspage(data: Any) -> str | None:
    page_id, status = data["page"].get("id"), data.get("status")
    ids = [page_id, *(c.get("id") for c in data["components"])]
    if any(isinstance(i, str) and _ULID.match(i) for i in ids) or "incidents" not in data:
        return (
            "a reduced Statuspage-compatible summary.json (ULID ids, no incidents), "
            "as incident.io pages serve: not Atlassian Statuspage"
        )
    if not (isinstance(page_id, str) and _CODE.match(page_id)) or not (
        isinstance(status, dict) and isinstance(status.get("indicator"), str)
    ):
        return "no 12-character page id or status indicator: not Atlassian Statuspage"
    return None


def _instatus(data: Any) -> str | None:
    statuses = [c.get("status") for c in data.get("components") or []]
    if all(isinstance(s, str) and s == s.upper() for s in statuses):
        return None
    return "lower-case component statuses: not Instatus"


def _betterstack(data: Any) -> str | None:
    kind = (data.get("data") or {}).get("type")
    return None if kind == "status_page" else f"data.type is {kind!r}, not 'status_page'"


def _slack(data: Any) -> str | None:
    status = data.get("status")
    return None if status in ("ok", "active") else f"status {status!r} is not ok or active"


def _gcp(data: Any) -> str | None:
    return None if data else "an empty incident list, not Google Cloud's incident history"


_MARKS: dict[str, Callable[[Any], str | None]] = {
    "statuspage": _statuspage,
    "instatus": _instatus,
    "betterstack": _betterstack,
    "slack": _slack,
    "gcp": _gcp,
}
