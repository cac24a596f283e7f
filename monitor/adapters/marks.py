"""Which platform a body comes from: the marks a platform's own payloads carry.

Parsing is not enough: several platforms share shapes (incident.io pages answer a reduced
Statuspage `summary.json`; Instatus and Better Stack webhooks copy Statuspage's). So a body
is a platform's only when that adapter reads it *and* it carries the platform's marks:
- polled bodies: Statuspage's `incidents`, `status.indicator` and 12-character page id,
  Instatus's upper-case statuses (its summary.json: `page.status` UP | HASISSUES |
  UNDERMAINTENANCE), Better Stack's `type: status_page`, Slack's `ok | active`,
  a non-empty Google Cloud history; RSS/Atom is the last resort (every platform serves one).
- webhooks: Better Stack's `event_type` and its `downtime | degraded | operational`
  indicator, Instatus's upper-case statuses, Statuspage's lower-case ones with its
  `none | minor | major | critical | maintenance` indicator or 12-character page id.
The probe (monitor/probe.py) applies the polled marks to what each summary URL answers;
`read_as` applies all of them to one saved body (`statusmon parse`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from monitor.adapters import get_adapter
from monitor.adapters.endpoints import is_ulid, what_is
from monitor.adapters.jsonshape import loads
from monitor.errors import ParseError
from monitor.model import Snapshot
from monitor.pages import PageConfig

ORDER = ("incidentio", "statuspage", "instatus", "betterstack", "slack", "gcp", "aws", "feed")
WHAT = {  # what a platform's polled body is called, for messages
    "statuspage": "Atlassian Statuspage's summary.json",
    "incidentio": "incident.io's /proxy/<host> summary",
    "instatus": "an Instatus components.json or summary.json",
    "betterstack": "Better Stack's index.json",
    "slack": "Slack's api/v2.0.0/current",
    "gcp": "Google Cloud's incidents.json",
    "aws": "the AWS Health Dashboard's currentevents",
    "feed": "an RSS/Atom feed",
}
HOOK = {"statuspage": "Statuspage", "instatus": "Instatus", "betterstack": "Better Stack"}
_CODE = re.compile(r"^[a-z0-9]{12}$")  # Statuspage's page and component ids
_INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
_BETTERSTACK_STATES = {"operational", "degraded", "downtime"}
_INSTATUS_PAGE = {"UP", "HASISSUES", "UNDERMAINTENANCE"}


def foreign(kind: str, body: bytes) -> str | None:
    """Why a polled body that `kind` parsed is still not `kind`'s own page; None when it is."""
    check = _MARKS.get(kind)
    return check(loads(body, kind)) if check else None


def webhook_platform(payload: Any) -> str | None:
    """The platform whose webhook this payload is, by its marks; None when none fits."""
    if not isinstance(payload, dict) or not {"incident", "maintenance", "component"} & set(payload):
        return None
    raw_page = payload.get("page")
    page: dict[str, Any] = raw_page if isinstance(raw_page, dict) else {}
    indicator = page.get("status_indicator")
    if "event_type" in payload or indicator in _BETTERSTACK_STATES:
        return "betterstack"
    if any(s != s.lower() for s in _statuses(payload)):
        return "instatus"
    if indicator in _INDICATORS or (isinstance(page.get("id"), str) and _CODE.match(page["id"])):
        return "statuspage"
    return None


def read_as(body: bytes, page: PageConfig, kind: str | None = None) -> tuple[str, Snapshot]:
    """A saved body read as a first poll would: by `kind`, or by the platform it shows.
    ParseError saying what the body is when it is no platform's page, or another's than `kind`."""
    data = _json(body)
    known = what_is(data)
    if known:
        raise ParseError(known)
    found = _detect(body, data, page)
    if kind is None:
        if found is None:
            raise ParseError(f"no known platform reads this ({', '.join(ORDER)}): {_why(body)}")
        return found[0], found[1]
    if found is not None and found[0] != kind:
        raise ParseError(f"this is {found[2]}, not {kind}: use --kind {found[0]}, or no --kind")
    snap = read_payload(kind, body, data, page)
    if found is None and snap.complete and foreign(kind, body):
        raise ParseError(f"not {WHAT[kind]}: {foreign(kind, body)}")
    return kind, snap


def read_payload(kind: str, body: bytes, data: Any, page: PageConfig) -> Snapshot:
    """A polled body, or else a pushed (webhook) payload of the same platform."""
    adapter = get_adapter(kind)
    try:
        return adapter.parse(body, page)
    except ParseError as polled:
        if not isinstance(data, dict):
            raise
        try:
            return adapter.parse_webhook(data, page)
        except ParseError:
            raise polled from None


def _detect(body: bytes, data: Any, page: PageConfig) -> tuple[str, Snapshot, str] | None:
    """(platform, snapshot, what the body is) by the first platform whose marks it carries."""
    for kind in ORDER:
        try:
            snap = get_adapter(kind).parse(body, page)
            if foreign(kind, body) is None:
                return kind, snap, WHAT[kind]
        except ParseError:
            continue
    hook = webhook_platform(data)
    if hook is None:
        return None
    try:
        return hook, get_adapter(hook).parse_webhook(data, page), f"a {HOOK[hook]} webhook"
    except ParseError:
        return None


def _why(body: bytes) -> str:
    try:
        loads(body, "file")
    except ParseError as exc:
        return f"not JSON, nor an RSS/Atom feed ({exc})"
    return "a JSON shape none of them serves"


def _json(body: bytes) -> Any:
    try:
        return loads(body, "file")
    except ParseError:
        return None


def _statuses(payload: dict[str, Any]) -> list[str]:
    found: list[Any] = []
    for key in ("incident", "maintenance", "component"):
        raw = payload.get(key)
        if isinstance(raw, dict):
            found.append(raw.get("status"))
            for u in raw.get(f"{key}_updates") or raw.get("incident_updates") or []:
                found.append(u.get("status") if isinstance(u, dict) else None)
    change = payload.get("component_update")
    if isinstance(change, dict):
        found.append(change.get("new_status"))
    return [s for s in found if isinstance(s, str)]


def _statuspage(data: Any) -> str | None:
    page_id, status = data["page"].get("id"), data.get("status")
    ids = [page_id, *(c.get("id") for c in data["components"])]
    if any(is_ulid(i) for i in ids) or "incidents" not in data:
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
    if "components" not in data:  # summary.json: its page status is the mark
        status = data["page"].get("status")
        if status in _INSTATUS_PAGE:
            return None
        return f"page.status {status!r} is not UP, HASISSUES nor UNDERMAINTENANCE: not Instatus"
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
