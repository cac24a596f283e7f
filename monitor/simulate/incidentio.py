"""A simulated page in incident.io's shape: `/proxy/<host>` and `/proxy/<host>/incidents/<id>`.

Built from OpenAI's real proxy summary (components, group structure, theme, …) with its one
ongoing incident taken out, and that incident's real object as the shape of new ones. Per page
only ids, names, statuses, impacts and times change. Ids are ULIDs, as on incident.io.
"""

from __future__ import annotations

import json
from typing import Any

from monitor.simulate.captures import Templates
from monitor.simulate.documents import JSON
from monitor.simulate.ids import iso, ulid
from monitor.simulate.model import OPERATIONAL, PageModel, SimComponent, SimIncident, SimUpdate

PAGE_CREATED = 1740009600.0  # 2025-02-20, around OpenAI's move to incident.io
PHASES = {
    "scheduled": "maintenance_scheduled",
    "in_progress": "maintenance_in_progress",
    "verifying": "maintenance_in_progress",
    "completed": "maintenance_complete",
}


class IncidentIoShapes:
    """The capture's objects, parsed once and shared by every page (never mutated)."""

    def __init__(self, t: Templates) -> None:
        self.summary: dict[str, Any] = t.parse("incidentio_summary")["summary"]
        self.incident: dict[str, Any] = t.parse("incidentio_incident")
        self.update: dict[str, Any] = t.parse("incidentio_update")
        rows: list[tuple[str, str]] = []
        for item in self.summary["structure"]["items"]:
            members = item["group"]["components"] if "group" in item else [item["component"]]
            rows += [(c["component_id"], c["name"]) for c in members]
        listed = {cid for cid, _ in rows}
        rows += [(c["id"], c["name"]) for c in self.summary["components"] if c["id"] not in listed]
        self.component_rows = rows

    def new_model(self, n: int, page_id: str) -> PageModel:
        comps = [SimComponent(cid, name) for cid, name in self.component_rows]
        return PageModel(n, "incidentio", page_id, comps, ulid)


class IncidentIoPage:
    kind = "incidentio"

    def __init__(self, model: PageModel, shapes: IncidentIoShapes, name: str, base: str) -> None:
        self.model, self.shapes, self.name, self.base = model, shapes, name, base
        self.provider_id = ulid(PAGE_CREATED, "page", model.page_id)

    def _name(self, cid: str, default: str) -> str:
        comp = self.model.components.get(cid)
        return comp.name if comp else default

    def structure(self) -> dict[str, Any]:
        items = []
        for item in self.shapes.summary["structure"]["items"]:
            if "group" in item:
                group = item["group"]
                members = [
                    {**c, "name": self._name(c["component_id"], c["name"])}
                    for c in group["components"]
                ]
                items.append({"group": {**group, "components": members}})
            else:
                c = item["component"]
                items.append({"component": {**c, "name": self._name(c["component_id"], c["name"])}})
        return {**self.shapes.summary["structure"], "items": items}

    def update(self, inc: SimIncident, u: SimUpdate) -> dict[str, Any]:
        doc = {
            "type": "doc",
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": u.body}]}],
        }
        statuses = [
            {"component_id": c, "status": self.model.components[c].status}
            for c in inc.component_ids
        ]
        to = PHASES[u.status] if inc.maintenance else u.status
        return {
            **self.shapes.update,
            "published_at": iso(u.at),
            "id": u.id,
            "message": doc,
            "message_string": u.body,
            "to_status": to,
            "component_statuses": statuses,
        }

    def impacts(self, inc: SimIncident) -> list[dict[str, Any]]:
        rows = []
        for cid in inc.component_ids:
            comp = self.model.components[cid]
            if inc.closed or comp.status == OPERATIONAL:
                continue
            rows.append(
                {
                    "start_at": iso(comp.updated_at),
                    "id": ulid(comp.updated_at, inc.id, cid),
                    "component_id": cid,
                    "status_page_incident_id": inc.id,
                    "status": comp.status,
                }
            )
        return rows

    def incident(self, inc: SimIncident) -> dict[str, Any]:
        affected = [
            {
                "component_id": c,
                "status": self.model.components[c].status,
                "current_status": self.model.components[c].status,
            }
            for c in inc.component_ids
        ]
        data = {
            **self.shapes.incident,
            "updates": [self.update(inc, u) for u in reversed(inc.updates)],
            "component_impacts": self.impacts(inc),
            "status_summaries": [],
            "published_at": iso(inc.created_at),
            "id": inc.id,
            "status_page_id": self.provider_id,
            "name": inc.name,
            "status": PHASES[inc.status] if inc.maintenance else inc.status,
            "affected_components": affected,
        }
        if inc.maintenance:
            data["type"] = "scheduled_maintenance"
            data["starts_at"] = iso(inc.scheduled_for or inc.created_at)
            data["ends_at"] = iso(inc.scheduled_until or inc.created_at)
        return data

    def summary(self) -> dict[str, Any]:
        comps = self.model.components.values()
        open_ = [i for i in self.model.incidents.values() if not i.closed]
        return {
            **self.shapes.summary,
            "id": self.provider_id,
            "name": self.name,
            "subpath": self.model.page_id,
            "public_url": self.base,
            "components": [
                {**row, "name": self._name(row["id"], row["name"])}
                for row in self.shapes.summary["components"]
            ],
            "affected_components": [
                {"component_id": c.id, "status": c.status} for c in comps if c.status != OPERATIONAL
            ],
            "ongoing_incidents": [self.incident(i) for i in open_ if not i.maintenance],
            "scheduled_maintenances": [self.incident(i) for i in open_ if i.maintenance],
            "structure": self.structure(),
        }

    def render(self, path: str) -> tuple[bytes, str] | None:
        parts = path.split("/")  # ['', 'proxy', host] or ['', 'proxy', host, 'incidents', id]
        data: Any
        if len(parts) == 3 and parts[1] == "proxy":
            data = {"summary": self.summary()}
        elif len(parts) == 5 and parts[1] == "proxy" and parts[3] == "incidents":
            found = self.model.incidents.get(parts[4])
            if found is None:
                return None
            data = {"incident": self.incident(found)}
        else:
            return None
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), JSON
