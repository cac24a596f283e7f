"""incident.io status pages (status.openai.com since 2025).

- Endpoint: `<page>/proxy/<host>` → `{"summary": {...}}`: components (with groups in
  `structure`), `affected_components`, `ongoing_incidents[]` with `updates[]`,
  `scheduled_maintenances[]`. An incident that leaves `ongoing_incidents` is read from
  `<page>/proxy/<host>/incidents/<id>` for its final update.
- Webhooks: none for the public (incident.io's own signed webhooks are for page owners).
- Conditional GET: ETag if sent, body hash otherwise.
- Dedup key: (page, incident id, update id); (page, component id, new status, impact start).
- Names repeat across groups ("Login" in ChatGPT and Sora) and get renamed: key on ULIDs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.adapters.base import Getter, path_segment
from monitor.adapters.jsonshape import arr, loads, obj, opt_text, opt_when, text, when
from monitor.errors import ParseError
from monitor.model import Component, Incident, Snapshot, Update, gone
from monitor.pages import PageConfig
from monitor.status import UNKNOWN

STATUSES = {
    "operational": "operational",
    "degraded_performance": "degraded",
    "partial_outage": "partial_outage",
    "full_outage": "major_outage",
    "major_outage": "major_outage",
    "under_maintenance": "maintenance",
}
PHASES = {
    "maintenance_scheduled": "scheduled",
    "maintenance_in_progress": "in_progress",
    "maintenance_complete": "completed",
    "maintenance_completed": "completed",
}
LEFT_SUMMARY = "This incident is no longer listed as ongoing on the status page."


class IncidentIoAdapter:
    name = "incidentio"

    def summary_url(self, page: PageConfig) -> str:
        return f"{page.base_url}/proxy/{page.host}"

    def parse(self, body: bytes, page: PageConfig) -> Snapshot:
        data = obj(loads(body, "proxy summary"), "proxy")
        summary = obj(data.get("summary"), "proxy.summary")
        statuses: dict[str, str] = {}
        for i, a in enumerate(arr(summary.get("affected_components"), "affected_components")):
            a = obj(a, f"affected_components[{i}]")
            statuses[text(a.get("component_id"), "component_id")] = text(a.get("status"), "status")
        ongoing = [
            parse_incident(r, f"ongoing_incidents[{i}]")
            for i, r in enumerate(arr(summary.get("ongoing_incidents"), "ongoing_incidents"))
        ]
        maintenances = [
            parse_incident(r, f"scheduled_maintenances[{i}]", maintenance=True)
            for i, r in enumerate(
                arr(summary.get("scheduled_maintenances"), "scheduled_maintenances", optional=True)
            )
        ]
        since = _impact_starts(arr(summary.get("ongoing_incidents"), "ongoing_incidents"))
        components = {}
        for cid, name, gid, gname in _component_rows(summary):
            raw = statuses.get(cid, "operational")
            components[cid] = Component(
                cid, name, STATUSES.get(raw, UNKNOWN), raw, gid, gname, since.get(cid)
            )
        return Snapshot(
            page_name=text(summary.get("name", page.name), "summary.name"),
            components=components,
            incidents={i.id: i for i in ongoing + maintenances},
            platform_page_id=opt_text(summary.get("id"), "summary.id"),
        )

    def resolve(
        self, page: PageConfig, missing: list[str], get: Getter, now: datetime
    ) -> dict[str, Incident]:
        found: dict[str, Incident] = {}
        for incident_id in missing:
            segment = path_segment(incident_id)
            body = get(f"{self.summary_url(page)}/incidents/{segment}") if segment else None
            if body is None:
                found[incident_id] = gone(incident_id, now, LEFT_SUMMARY)
                continue
            data = obj(loads(body, "incident"), "incident")
            inc = parse_incident(data.get("incident", data), "incident")
            if not inc.closed:  # still open, only hidden from the summary: say it left
                inc = Incident(
                    inc.id,
                    inc.name,
                    "resolved",
                    (*inc.updates, *gone(inc.id, now, LEFT_SUMMARY).updates),
                    inc.component_ids,
                    inc.impact,
                    inc.is_maintenance,
                    inc.url,
                )
            found[incident_id] = inc
        return found

    def parse_webhook(self, payload: dict[str, Any], page: PageConfig) -> Snapshot:
        raise ParseError("incident.io status pages send no public webhooks; poll them instead")


def _component_rows(summary: dict[str, Any]) -> list[tuple[str, str, str | None, str | None]]:
    rows: list[tuple[str, str, str | None, str | None]] = []
    structure = obj(summary.get("structure") or {"items": []}, "structure")
    for i, item in enumerate(arr(structure.get("items"), "structure.items", optional=True)):
        item = obj(item, f"structure.items[{i}]")
        if "group" in item:
            group = obj(item["group"], f"structure.items[{i}].group")
            gid, gname = text(group.get("id"), "group.id"), text(group.get("name"), "group.name")
            for c in arr(group.get("components"), "group.components"):
                c = obj(c, "group.components[]")
                rows.append(
                    (
                        text(c.get("component_id"), "component_id"),
                        text(c.get("name"), "name"),
                        gid,
                        gname,
                    )
                )
        elif "component" in item:
            c = obj(item["component"], f"structure.items[{i}].component")
            rows.append(
                (
                    text(c.get("component_id"), "component_id"),
                    text(c.get("name"), "name"),
                    None,
                    None,
                )
            )
    listed = {r[0] for r in rows}
    for i, c in enumerate(arr(summary.get("components"), "components", optional=True)):
        c = obj(c, f"components[{i}]")
        cid = text(c.get("id"), f"components[{i}].id")
        if cid not in listed:
            rows.append((cid, text(c.get("name"), f"components[{i}].name"), None, None))
    return rows


def _impact_starts(incidents: list[Any]) -> dict[str, datetime]:
    """When each component's current impact began: the change time of its status."""
    starts: dict[str, datetime] = {}
    for raw in incidents:
        for imp in arr(
            obj(raw, "incident").get("component_impacts"), "component_impacts", optional=True
        ):
            imp = obj(imp, "component_impacts[]")
            if imp.get("end_at") is None and imp.get("start_at"):
                cid = text(imp.get("component_id"), "component_id")
                start = when(imp["start_at"], "component_impacts[].start_at")
                starts[cid] = max(start, starts.get(cid, start))
    return starts


def message(update: dict[str, Any]) -> str:
    if isinstance(update.get("message_string"), str):
        return str(update["message_string"])
    return " ".join(_texts(update.get("message")))


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for child in node.get("content") or [] for t in _texts(child)]
    return []


def parse_incident(raw: Any, where: str, *, maintenance: bool = False) -> Incident:
    raw = obj(raw, where)
    status_raw = text(raw.get("status"), f"{where}.status")
    status = PHASES.get(status_raw, status_raw)
    updates = []
    for i, u in enumerate(arr(raw.get("updates"), f"{where}.updates", optional=True)):
        u = obj(u, f"{where}.updates[{i}]")
        to = text(u.get("to_status", status_raw), f"{where}.updates[{i}].to_status")
        updates.append(
            Update(
                text(u.get("id"), f"{where}.updates[{i}].id"),
                PHASES.get(to, to),
                message(u),
                when(u.get("published_at"), "published_at"),
            )
        )
    incident_id = text(raw.get("id"), f"{where}.id")
    if not updates:  # maintenances may carry no updates: one per phase, keyed by the phase
        at = opt_when(raw.get("published_at") or raw.get("starts_at"), f"{where}.published_at")
        updates.append(
            Update(f"{incident_id}:{status}", status, "", at or when(raw.get("started_at"), where))
        )
    updates.reverse()  # served newest first: updates in the same second keep their order
    updates.sort(key=lambda u: u.at)
    comps = [
        text(obj(a, "affected_components[]").get("component_id"), "component_id")
        for a in arr(raw.get("affected_components"), f"{where}.affected_components", optional=True)
    ]
    return Incident(
        id=incident_id,
        name=text(raw.get("name"), f"{where}.name"),
        status=status,
        updates=tuple(updates),
        component_ids=tuple(dict.fromkeys(comps)),
        is_maintenance=maintenance,
        url=opt_text(raw.get("url"), f"{where}.url"),
    )


ADAPTER = IncidentIoAdapter()
