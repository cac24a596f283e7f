"""Payloads that are no platform's polled page: say what each one is, so the URL can be fixed.

A page may be pointed at another endpoint of a known platform, or a saved payload may come from
a product statusmon does not read. Each shape below is the documented one (shared
docs/FORMATS.md), recognized by its top-level keys, never by one capture's values:
- Statuspage `status.json` (`page`, `status`), `components.json` (`page`, `components`),
  `incidents.json` / `incidents/unresolved.json` (`page`, `incidents`),
  `scheduled-maintenances*.json` (`page`, `scheduled_maintenances`) — all lack what
  `summary.json` carries together. Webhooks (`meta` + `page`) are not endpoints.
- The Statuspage-compatible `summary.json` an incident.io page serves (ULID ids, no groups, no
  incident components): statusmon reads incident.io pages from `/proxy/<host>` instead.
- incident.io's `…/proxy/<host>/component_impacts` history (`incident_links`,
  `component_impacts`, `component_uptimes`).
- AWS's legacy `status.aws.amazon.com/data.json` (`archive`, `current`).
- A PagerDuty v3 webhook (`event.event_type` "incident.…").
"""

from __future__ import annotations

import json
import re
from typing import Any

HOME = "point the page at the status page's home URL"
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_STATUSPAGE = {  # the key beside `page` -> the endpoint that answers only that
    "status": "status.json",
    "components": "components.json",
    "incidents": "incidents.json",
    "scheduled_maintenances": "scheduled-maintenances.json",
}


def what_is(data: Any) -> str | None:
    """What a parsed JSON payload is when it is a known non-summary shape; None otherwise."""
    if not isinstance(data, dict):
        return None
    for check in (_statuspage, _incidentio, _aws, _pagerduty):
        found = check(data)
        if found:
            return found
    return None


def what_is_body(body: bytes) -> str | None:
    """`what_is` of raw bytes: None when they are not JSON at all."""
    try:
        return what_is(json.loads(body))
    except ValueError:
        return None


def is_ulid(value: Any) -> bool:
    return isinstance(value, str) and bool(ULID.match(value))


def _statuspage(data: dict[str, Any]) -> str | None:
    page = data.get("page")
    if not isinstance(page, dict) or "meta" in data or "id" not in page:
        return None
    rows = data.get("components")
    ids = (
        [page.get("id"), *(c.get("id") for c in rows if isinstance(c, dict))]
        if isinstance(rows, list)
        else [page.get("id")]
    )
    if any(is_ulid(i) for i in ids):
        return (
            "this is the Statuspage-compatible summary.json an incident.io page serves (ULID "
            "ids; no groups, no incident components): statusmon reads incident.io pages from "
            f"/proxy/<host>: {HOME}"
        )
    if "components" in data and "incidents" in data:
        return None  # summary.json
    if "status" in data and not isinstance(data["status"], dict):
        return None
    others = [k for k in _STATUSPAGE if k in data]
    if len(others) == 1 and not set(data) - {"page", *others}:
        return f"this is Statuspage's {_STATUSPAGE[others[0]]}, not summary.json: {HOME}"
    return None


def _incidentio(data: dict[str, Any]) -> str | None:
    if "summary" in data or not {"component_impacts", "incident_links"} & set(data):
        return None
    return (
        "this is incident.io's component_impacts history (…/proxy/<host>/component_impacts), "
        f"not the page's summary (…/proxy/<host>): {HOME}"
    )


def _aws(data: dict[str, Any]) -> str | None:
    if not {"archive", "current"} <= set(data):
        return None
    return (
        "this is AWS's legacy status.aws.amazon.com/data.json, not the Health Dashboard's "
        "currentevents: point the page at https://health.aws.amazon.com/health/status"
    )


def _pagerduty(data: dict[str, Any]) -> str | None:
    event = data.get("event")
    kind = event.get("event_type") if isinstance(event, dict) else None
    if not (isinstance(kind, str) and kind.startswith("incident.")):
        return None
    return (
        f"this is a PagerDuty v3 webhook ({kind}), not a status page's payload: "
        "statusmon does not read PagerDuty"
    )
