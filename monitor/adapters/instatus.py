"""Instatus status pages (status.perplexity.com, …).

- Endpoints (two per poll): `<page>/v2/components.json` → `{components[{id, name, description,
  status, group: {id, name} | null}]}` (the summary URL), and `<page>/summary.json` →
  `{page{name, url, status UP|HASISSUES|UNDERMAINTENANCE}, activeIncidents[],
  activeMaintenances[]}` (the extra URL). `parse` reads either body; `parse_many` merges both
  (proposed protocol extension: `extra_urls(page)` + `parse_many({url: body}, page)`).
  Older summaries carry no incident `id` (taken from the `url`'s last segment) and a JS date
  string (`Sat Jun 11 2022 18:55:50 GMT+0000 (Coordinated Universal Time)`).
- Statuses are UPPER-CASE (see the tables below); MINOROUTAGE reads as partial_outage.
- Updates: summary.json lists none, so one per (incident id, `updatedAt` or start, phase).
  An incident that leaves summary.json is closed (Instatus has no public incident endpoint).
- Webhooks: yes, the Statuspage shape (`incident` / `maintenance` + `maintenance_updates` /
  `component_update` + `component`), upper-case; signed (the ingress checks that, not this).
- Conditional GET: whatever validators the server sends; body hash otherwise.
- Dedup key: (page, incident id, update id — synthesized when polled); (page, component id,
  status, now) — components.json carries no change time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from monitor.adapters.base import Getter
from monitor.adapters.jsonshape import arr, loads, obj, opt_text, text, when
from monitor.adapters.statuspage import component_webhook, gone, parse_incident
from monitor.errors import ParseError
from monitor.model import Component, Incident, Snapshot, Update
from monitor.pages import PageConfig
from monitor.status import UNKNOWN

STATUSES = {
    "OPERATIONAL": "operational",
    "UNDERMAINTENANCE": "maintenance",
    "DEGRADEDPERFORMANCE": "degraded",
    "PARTIALOUTAGE": "partial_outage",
    "MINOROUTAGE": "partial_outage",
    "MAJOROUTAGE": "major_outage",
}
PHASES = {
    "INVESTIGATING": "investigating",
    "IDENTIFIED": "identified",
    "MONITORING": "monitoring",
    "RESOLVED": "resolved",
    "POSTMORTEM": "postmortem",
    "NOTSTARTEDYET": "scheduled",
    "INPROGRESS": "in_progress",
    "COMPLETED": "completed",
}
IMPACTS = {
    "OPERATIONAL": "none",
    "NONE": "none",
    "MINOR": "minor",
    "DEGRADEDPERFORMANCE": "minor",
    "MINOROUTAGE": "minor",
    "MAJOR": "major",
    "PARTIALOUTAGE": "major",
    "MAJOROUTAGE": "critical",
    "UNDERMAINTENANCE": "maintenance",
}
_JS_DATE = re.compile(r"^\w{3} (\w{3} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})")


class InstatusAdapter:
    name = "instatus"

    def summary_url(self, page: PageConfig) -> str:
        return f"{page.base_url}/v2/components.json"

    def extra_urls(self, page: PageConfig) -> list[str]:
        return [f"{page.base_url}/summary.json"]

    def parse(self, body: bytes, page: PageConfig) -> Snapshot:
        return self.parse_many({"": body}, page)

    def parse_many(self, bodies: Mapping[str, bytes], page: PageConfig) -> Snapshot:
        """components.json and/or summary.json, told apart by their shape."""
        name, components, incidents = None, None, {}
        for body in bodies.values():
            data = obj(loads(body, "instatus"), "instatus")
            if "components" in data:
                components = parse_components(data)
            elif "page" in data:
                summary_page = obj(data["page"], "summary.page")
                name = opt_text(summary_page.get("name"), "summary.page.name")
                incidents.update(parse_summary(data))
            else:
                raise ParseError("instatus: neither components.json nor summary.json")
        # Without components.json this is a partial view: it must not drop known components.
        complete = components is not None
        return Snapshot(name or page.name, components or {}, incidents, complete=complete)

    def resolve(
        self, page: PageConfig, missing: list[str], get: Getter, now: datetime
    ) -> dict[str, Incident]:
        # Still open but read from components.json alone? summary.json says; else it is over.
        body = get(self.extra_urls(page)[0])
        listed = self.parse(body, page).incidents if body is not None else {}
        return {i: listed.get(i) or gone(i, now) for i in missing}

    def parse_webhook(self, payload: dict[str, Any], page: PageConfig) -> Snapshot:
        for key in ("incident", "maintenance"):
            if key in payload:
                raw = dict(obj(payload[key], key))
                updates = arr(raw.pop(f"{key}_updates", None), f"{key}.updates", optional=True)
                raw["incident_updates"] = [
                    {**obj(u, f"{key}_updates[{j}]"), "status": _phase(u.get("status"))}
                    for j, u in enumerate(updates)
                ]
                raw["status"], raw["impact"] = (
                    _phase(raw.get("status")),
                    _phase(raw.get("impact"), IMPACTS),
                )
                raw.setdefault("shortlink", raw.get("url"))
                inc = parse_incident(raw, key, maintenance=key == "maintenance")
                return Snapshot(page.name, incidents={inc.id: inc}, complete=False)
        if "component" in payload and "component_update" in payload:
            normalize = lambda raw: STATUSES.get(raw.upper(), UNKNOWN)  # noqa: E731
            return component_webhook(payload, page, normalize)
        raise ParseError("not an Instatus webhook: no 'incident', 'maintenance' nor 'component'")


def parse_components(data: dict[str, Any]) -> dict[str, Component]:
    components = {}
    for i, row in enumerate(arr(data.get("components"), "components")):
        where = f"components[{i}]"
        row = obj(row, where)
        group = obj(row.get("group") or {}, f"{where}.group")
        status_raw = text(row.get("status"), f"{where}.status")
        comp = Component(
            id=text(row.get("id"), f"{where}.id"),
            name=text(row.get("name"), f"{where}.name"),
            status=STATUSES.get(status_raw.upper(), UNKNOWN),
            status_raw=status_raw,
            group_id=opt_text(group.get("id"), f"{where}.group.id"),
            group_name=opt_text(group.get("name"), f"{where}.group.name"),
        )
        components[comp.id] = comp
    return components


def parse_summary(data: dict[str, Any]) -> dict[str, Incident]:
    incidents = {}
    for key in ("activeIncidents", "activeMaintenances"):
        for i, raw in enumerate(arr(data.get(key), key, optional=True)):
            inc = _summary_incident(raw, f"{key}[{i}]", maintenance=key == "activeMaintenances")
            incidents[inc.id] = inc
    return incidents


def _summary_incident(raw: Any, where: str, *, maintenance: bool) -> Incident:
    raw = obj(raw, where)
    url = opt_text(raw.get("url"), f"{where}.url")
    incident_id = opt_text(raw.get("id"), f"{where}.id")
    if incident_id is None:  # older summaries: the id is the url's last segment
        if not url:
            raise ParseError(f"{where}: neither 'id' nor 'url' is set")
        incident_id = url.rstrip("/").rsplit("/", 1)[-1]
    status_raw = text(raw.get("status"), f"{where}.status")
    phase = _phase(status_raw)
    started = _when(raw.get("started", raw.get("start")), f"{where}.started")
    at = _when(raw.get("updatedAt"), f"{where}.updatedAt") if raw.get("updatedAt") else started
    update = Update(f"{incident_id}:{at.isoformat()}:{phase}", phase, "", at)
    incident = Incident(
        id=incident_id,
        name=text(raw.get("name"), f"{where}.name"),
        status=phase,
        updates=(update,),
        impact=_phase(raw.get("impact"), IMPACTS),
        is_maintenance=maintenance,
        url=url,
    )
    return replace(incident, impact="maintenance") if maintenance else incident


def _when(value: Any, where: str) -> datetime:
    """ISO 8601, or the JavaScript `Date.toString()` form older summaries use."""
    raw = text(value, where)
    js = _JS_DATE.match(raw)
    if js:  # dateutil would read "GMT+0200" POSIX-style, as two hours *behind* UTC
        return datetime.strptime(f"{js[1]} {js[2]}", "%b %d %Y %H:%M:%S %z").astimezone(UTC)
    return when(raw, where)


def _phase(value: Any, table: Mapping[str, str] = PHASES) -> str:
    return table.get(value.upper(), UNKNOWN) if isinstance(value, str) else UNKNOWN


ADAPTER = InstatusAdapter()
