"""Google Cloud Service Health (status.cloud.google.com).

- Endpoint: `<origin>/incidents.json` — one array with every incident Google still lists, open
  *and* closed (years of history), so the snapshot carries closed incidents too. An incident
  whose `end` is set is resolved. Its `updates[]` (newest first) have no ids: each becomes an
  Update keyed `<incident id>:<update created>:<update status>`; feeds that drop `updates` fall
  back to `most_recent_update`. An incident that ends without an `AVAILABLE` update gets one
  closing update keyed `<incident id>:end`, so its end is still announced.
- One id listed twice or more (seen in an edited capture): one entry is read, the open one
  before closed ones (an outage is never hidden by a stale copy), then the last `modified`.
- Phases: GCP has none. An update reads `investigating` until `AVAILABLE` (→ `resolved`).
- Components: `affected_products[]` (id = product id, name = title). A product's status is the
  worst current impact among the open incidents naming it (SERVICE_OUTAGE → major_outage,
  SERVICE_DISRUPTION → partial_outage, SERVICE_INFORMATION → operational: no status change),
  operational once none is open. Products never named in an incident are unknown to us.
- Impact: `severity` high/medium/low → critical/major/minor, else from `status_impact`.
- Webhooks: none for the public dashboard (Personalized Service Health is per project).
- Conditional GET: whatever validators the server sends; body hash otherwise.
- Dedup key: (page, incident id, synthesized update id); (page, product id, status, change time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from monitor.adapters.base import Getter
from monitor.adapters.jsonshape import arr, loads, obj, opt_text, opt_when, text, when
from monitor.adapters.statuspage import gone
from monitor.errors import ParseError
from monitor.model import Component, Incident, Snapshot, Update
from monitor.pages import PageConfig
from monitor.status import UNKNOWN, rank

STATUSES = {
    "AVAILABLE": "operational",
    "SERVICE_INFORMATION": "operational",
    "SERVICE_DISRUPTION": "partial_outage",
    "SERVICE_OUTAGE": "major_outage",
}
PHASES = {
    "AVAILABLE": "resolved",
    "SERVICE_INFORMATION": "investigating",
    "SERVICE_DISRUPTION": "investigating",
    "SERVICE_OUTAGE": "investigating",
}
SEVERITIES = {"low": "minor", "medium": "major", "high": "critical"}
IMPACTS = {
    "SERVICE_INFORMATION": "none",
    "SERVICE_DISRUPTION": "major",
    "SERVICE_OUTAGE": "critical",
}


@dataclass(frozen=True)
class _Reading:
    incident: Incident
    products: list[tuple[str, str]]  # (product id, title)
    status_raw: str  # the incident's current impact, AVAILABLE once it ended
    at: datetime  # when that impact began: its latest update, or its end
    rank: tuple[bool, datetime]  # which of several entries with one id is read: see parse


class GcpAdapter:
    name = "gcp"

    def summary_url(self, page: PageConfig) -> str:
        return f"{_origin(page)}/incidents.json"

    def parse(self, body: bytes, page: PageConfig) -> Snapshot:
        rows = arr(loads(body, "incidents.json"), "incidents.json")
        readings: dict[str, _Reading] = {}
        for i, raw in enumerate(rows):
            r = _reading(raw, f"incidents[{i}]", _origin(page))
            listed = readings.get(r.incident.id)
            if listed is None or r.rank > listed.rank:
                readings[r.incident.id] = r
        components: dict[str, Component] = {}
        best: dict[str, tuple[int, datetime]] = {}  # worst status wins, then the latest change
        for r in readings.values():
            status = STATUSES.get(r.status_raw, UNKNOWN)
            for pid, title in r.products:
                if pid not in best or (rank(status), r.at) > best[pid]:
                    best[pid] = (rank(status), r.at)
                    components[pid] = Component(pid, title, status, r.status_raw, updated_at=r.at)
        return Snapshot(
            page_name=page.name,
            components=components,
            incidents={incident_id: r.incident for incident_id, r in readings.items()},
        )

    def resolve(
        self, page: PageConfig, missing: list[str], get: Getter, now: datetime
    ) -> dict[str, Incident]:
        # The file holds the whole history: an open incident that left it was withdrawn.
        return {incident_id: gone(incident_id, now) for incident_id in missing}

    def parse_webhook(self, payload: dict[str, Any], page: PageConfig) -> Snapshot:
        raise ParseError("the Google Cloud status dashboard sends no webhooks; poll it instead")


def _origin(page: PageConfig) -> str:
    return f"{urlsplit(page.url).scheme}://{page.host}"


def _reading(raw: Any, where: str, origin: str) -> _Reading:
    raw = obj(raw, where)
    incident_id = text(raw.get("id"), f"{where}.id")
    end = opt_when(raw.get("end"), f"{where}.end")
    rows = arr(raw.get("updates"), f"{where}.updates", optional=True)
    if not rows and raw.get("most_recent_update") is not None:
        rows = [raw["most_recent_update"]]
    updates = [_update(incident_id, u, f"{where}.updates[{j}]") for j, u in enumerate(rows)]
    impact_raw = opt_text(raw.get("status_impact"), f"{where}.status_impact") or UNKNOWN
    if not updates:  # nothing but the incident itself: it is its own first update
        at = when(raw.get("begin") or raw.get("created"), f"{where}.begin")
        body = opt_text(raw.get("external_desc"), f"{where}.external_desc") or ""
        key = f"{incident_id}:{at.isoformat()}:{impact_raw}"
        updates.append(Update(key, PHASES.get(impact_raw, UNKNOWN), body, at))
    updates.sort(key=lambda u: u.at)
    if end is not None and all(u.status != "resolved" for u in updates):
        updates.append(Update(f"{incident_id}:end", "resolved", "", end))
    products = []
    listed = arr(raw.get("affected_products"), f"{where}.affected_products", optional=True)
    for j, p in enumerate(listed):
        p = obj(p, f"{where}.affected_products[{j}]")
        pid = text(p.get("id"), f"{where}.affected_products[{j}].id")
        products.append((pid, opt_text(p.get("title"), f"{where}.affected_products[{j}]") or pid))
    severity = opt_text(raw.get("severity"), f"{where}.severity")
    uri = opt_text(raw.get("uri"), f"{where}.uri")
    incident = Incident(
        id=incident_id,
        name=opt_text(raw.get("external_desc"), f"{where}.external_desc") or incident_id,
        status="resolved" if end is not None else "investigating",
        updates=tuple(updates),
        component_ids=tuple(dict.fromkeys(pid for pid, _ in products)),
        impact=SEVERITIES.get(severity or "", IMPACTS.get(impact_raw, UNKNOWN)),
        url=f"{origin}/{uri.lstrip('/')}" if uri else None,
    )
    modified = opt_when(raw.get("modified"), f"{where}.modified") or updates[-1].at
    if end is not None:
        return _Reading(incident, products, "AVAILABLE", end, (False, modified))
    latest = obj(raw.get("most_recent_update") or {}, f"{where}.most_recent_update")
    current = opt_text(latest.get("status"), f"{where}.most_recent_update.status") or impact_raw
    return _Reading(incident, products, current, updates[-1].at, (True, modified))


def _update(incident_id: str, raw: Any, where: str) -> Update:
    raw = obj(raw, where)
    status_raw = opt_text(raw.get("status"), f"{where}.status") or UNKNOWN
    created = opt_when(raw.get("created"), f"{where}.created")
    at = opt_when(raw.get("when"), f"{where}.when") or created
    if at is None:
        raise ParseError(f"{where}: neither 'when' nor 'created' is set")
    key = f"{incident_id}:{(created or at).isoformat()}:{status_raw}"
    body = opt_text(raw.get("text"), f"{where}.text") or ""
    return Update(key, PHASES.get(status_raw, UNKNOWN), body, at)


ADAPTER = GcpAdapter()
