"""Better Stack (Better Uptime) status pages (status.together.ai, …).

- Endpoint: `<page>/index.json`, JSON:API: `data` (the status page: `company_name`) and
  `included[]` of `status_page_section` (groups), `status_page_resource` (components; their
  `status_page_section_id` is an integer while section ids are strings), `status_report`
  (incidents; `report_type: maintenance` → maintenance; recent resolved ones stay listed) and
  `status_update` (updates, linked from a report's `relationships.status_updates`).
  Reports may name resources the page does not show; they stay in `component_ids`.
- Phases: updates carry no status. An update at or after the report's `ends_at`, or the newest
  update of a resolved report, closes it (resolved / completed); before that a maintenance is
  scheduled (before `starts_at`) or in_progress, an incident investigating.
- Webhooks: yes, unsigned, Statuspage-like: `incident{…, incident_updates[]}`,
  `maintenance{…, starts_at, ends_at, maintenance_updates[]}`, `component(+component_update)`;
  their updates carry no status either, so the same phase rule applies.
- Conditional GET: whatever validators the server sends; body hash otherwise.
- Dedup key: (page, report id, status_update id); (page, resource id, status, page
  `updated_at` — resources carry no change time of their own).
- Order (monitor.ordering): a report's `updated_at`, a component webhook's
  `component_update.created_at`; not the page's `updated_at` (not known to move with each
  resource), so polled resources carry no stamp.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from monitor.adapters.base import Getter
from monitor.adapters.jsonshape import arr, loads, obj, opt_text, opt_when, stamp, text, when
from monitor.adapters.statuspage import gone
from monitor.errors import ParseError
from monitor.model import Component, Incident, Snapshot, Update
from monitor.pages import PageConfig
from monitor.status import UNKNOWN

STATUSES = {
    "operational": "operational",
    "degraded": "degraded",
    "downtime": "major_outage",
    "maintenance": "maintenance",
}
IMPACTS = ("none", "minor", "major")  # from a report's worst affected-resource status
IMPACT_OF = {"degraded": "minor", "downtime": "major"}
OPEN_STATES = frozenset({"operational", "degraded", "downtime", "maintenance"})
TYPES = {
    "status_page_section": "section",
    "status_page_resource": "resource",
    "status_report": "report",
    "status_update": "update",
}


class Row(NamedTuple):
    id: str
    attrs: dict[str, Any]
    where: str
    links: dict[str, Any] | None = None


class BetterStackAdapter:
    name = "betterstack"

    def summary_url(self, page: PageConfig) -> str:
        return f"{page.base_url}/index.json"

    def parse(self, body: bytes, page: PageConfig) -> Snapshot:
        data = obj(loads(body, "index.json"), "index.json")
        root = obj(data.get("data"), "data")
        attrs = obj(root.get("attributes") or {}, "data.attributes")
        rows = _rows(arr(data.get("included"), "included", optional=True))
        changed = opt_when(attrs.get("updated_at"), "data.attributes.updated_at")
        sections = {r.id: text(r.attrs.get("name"), f"{r.where}.name") for r in rows["section"]}
        components = {}
        for r in rows["resource"]:
            gid = opt_text(r.attrs.get("status_page_section_id"), f"{r.where}.section_id")
            raw = text(r.attrs.get("status"), f"{r.where}.attributes.status")
            name = text(r.attrs.get("public_name"), f"{r.where}.attributes.public_name")
            group = sections.get(gid or "")
            status = STATUSES.get(raw, UNKNOWN)
            components[r.id] = Component(r.id, name, status, raw, gid, group, changed)
        messages = {r.id: r for r in rows["update"]}
        incidents = {}
        for r in rows["report"]:
            refs = obj((r.links or {}).get("status_updates") or {}, f"{r.where}.relationships")
            ids = [
                text(obj(ref, r.where).get("id"), f"{r.where}.relationships.status_updates.id")
                for ref in arr(refs.get("data"), f"{r.where}.status_updates", optional=True)
            ]
            updates = [messages[i] for i in ids if i in messages]
            incidents[r.id] = _incident(r, updates, page)
        return Snapshot(
            page_name=opt_text(attrs.get("company_name"), "company_name") or page.name,
            components=components,
            incidents=incidents,
            platform_page_id=opt_text(root.get("id"), "data.id"),
        )

    def resolve(
        self, page: PageConfig, missing: list[str], get: Getter, now: datetime
    ) -> dict[str, Incident]:
        # index.json keeps recent resolved reports: an open one that left it was withdrawn.
        return {report_id: gone(report_id, now) for report_id in missing}

    def parse_webhook(self, payload: dict[str, Any], page: PageConfig) -> Snapshot:
        for key in ("incident", "maintenance"):
            if key in payload:
                raw = obj(payload[key], key)
                listed = arr(raw.get(f"{key}_updates"), f"{key}.{key}_updates", optional=True)
                rows = []
                for j, u in enumerate(listed):
                    where = f"{key}.{key}_updates[{j}]"
                    u = obj(u, where)
                    rows.append(Row(text(u.get("id"), f"{where}.id"), u, where))
                attrs = {**raw, "title": raw.get("name"), "report_type": key}
                inc = _incident(Row(text(raw.get("id"), f"{key}.id"), attrs, key), rows, page)
                return Snapshot(page.name, incidents={inc.id: inc}, complete=False)
        if "component" in payload:
            raw = obj(payload["component"], "component")
            change = obj(payload.get("component_update") or {}, "component_update")
            status_raw = text(change.get("new_status", raw.get("status")), "component.status")
            cid = text(raw.get("id", change.get("component_id")), "component.id")
            comp = Component(
                cid,
                text(raw.get("name"), "component.name"),
                STATUSES.get(status_raw, UNKNOWN),
                status_raw,
                updated_at=stamp(change.get("created_at")),
                as_of=stamp(change.get("created_at")),
            )
            return Snapshot(page.name, components={cid: comp}, complete=False)
        raise ParseError("not a Better Stack webhook: no 'incident', 'maintenance' nor 'component'")


def _rows(included: list[Any]) -> dict[str, list[Row]]:
    rows: dict[str, list[Row]] = {kind: [] for kind in TYPES.values()}
    for i, item in enumerate(included):
        where = f"included[{i}]"
        item = obj(item, where)
        kind = TYPES.get(text(item.get("type"), f"{where}.type"))
        if kind is None:
            continue  # JSON:API may include types we do not use
        attrs = obj(item.get("attributes"), f"{where}.attributes")
        links = obj(item.get("relationships") or {}, f"{where}.relationships")
        rows[kind].append(Row(text(item.get("id"), f"{where}.id"), attrs, where, links))
    return rows


def _incident(report: Row, rows: list[Row], page: PageConfig) -> Incident:
    a, w = report.attrs, report.where
    maintenance = a.get("report_type") == "maintenance"
    state = opt_text(a.get("aggregate_state"), f"{w}.aggregate_state")
    starts = opt_when(a.get("starts_at"), f"{w}.starts_at")
    ends = opt_when(a.get("ends_at") or a.get("resolved_at"), f"{w}.ends_at")
    closing = "completed" if maintenance else "resolved"
    updates = []
    for r in rows:
        at = when(r.attrs.get("published_at") or r.attrs.get("created_at"), f"{r.where}.at")
        body = opt_text(r.attrs.get("message", r.attrs.get("body")), f"{r.where}.message")
        updates.append(Update(r.id, _phase(at, maintenance, starts, ends), body or "", at))
    updates.sort(key=lambda u: u.at)
    if state == "resolved" and updates:  # the newest update of a resolved report closed it
        updates[-1] = Update(updates[-1].id, closing, updates[-1].body, updates[-1].at)
    known = state in (None, "resolved", *OPEN_STATES)
    if not updates:  # a report with no update yet is its own first update
        opening = "scheduled" if maintenance else "investigating"
        status = {"resolved": closing, "maintenance": "in_progress"}.get(state or "", opening)
        status = status if known else UNKNOWN
        at = starts or when(a.get("created_at"), f"{w}.starts_at")
        updates.append(Update(f"{report.id}:{status}", status, "", at))
    status = updates[-1].status if known else UNKNOWN
    comps, impacts = [], ["none"]
    for j, res in enumerate(arr(a.get("affected_resources"), f"{w}.affected", optional=True)):
        res = obj(res, f"{w}.affected_resources[{j}]")
        comps.append(text(res.get("status_page_resource_id"), f"{w}.affected_resources[{j}].id"))
        impacts.append(IMPACT_OF.get(str(res.get("status")), "none"))
    return Incident(
        id=report.id,
        name=text(a.get("title"), f"{w}.title"),
        status=status,
        updates=tuple(updates),
        component_ids=tuple(dict.fromkeys(comps)),
        impact="maintenance" if maintenance else max(impacts, key=IMPACTS.index),
        is_maintenance=maintenance,
        url=opt_text(a.get("shortlink"), f"{w}.shortlink")
        or f"{page.base_url}/incidents/{report.id}",
        as_of=stamp(a.get("updated_at")),
    )


def _phase(
    at: datetime | None, maintenance: bool, starts: datetime | None, ends: datetime | None
) -> str:
    if at is not None and ends is not None and at >= ends:
        return "completed" if maintenance else "resolved"
    if not maintenance:
        return "investigating"
    return "scheduled" if at is not None and starts is not None and at < starts else "in_progress"


ADAPTER = BetterStackAdapter()
