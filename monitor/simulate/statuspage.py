"""A simulated page in Atlassian Statuspage's shape (`/api/v2/*.json`, `/history.atom`).

Built from Claude's real all-operational summary (page, components, status) and GitHub's real
incident and update objects: per page only ids, names, statuses and times change. Resolved
incidents leave `summary.json` and stay in `incidents.json` (the 50 newest), as on real pages.
"""

from __future__ import annotations

import json
from typing import Any

from monitor.simulate.atom import history_atom
from monitor.simulate.captures import Templates
from monitor.simulate.documents import ATOM, JSON
from monitor.simulate.ids import iso, statuspage_id
from monitor.simulate.model import PageModel, SimComponent, SimIncident, SimUpdate

IMPACTS = ("none", "minor", "major", "critical")
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
    "maintenance": "Service Under Maintenance",
}


class StatuspageShapes:
    """The captures' objects, parsed once and shared by every page (never mutated)."""

    def __init__(self, t: Templates, names: tuple[str, ...] = ()) -> None:
        """`names`: the components' names, in the capture's order (unnamed ones keep theirs)."""
        summary = t.parse("statuspage_summary")
        self.page: dict[str, Any] = summary["page"]
        components: list[dict[str, Any]] = summary["components"]
        renamed = [{**c, "name": name} for c, name in zip(components, names, strict=False)]
        self.components = renamed + components[len(renamed) :]
        self.incident: dict[str, Any] = t.parse("statuspage_incident")
        self.update: dict[str, Any] = t.parse("statuspage_update")

    def new_model(self, n: int, page_id: str) -> PageModel:
        comps = [SimComponent(c["id"], c["name"], c["status"], 0.0) for c in self.components]
        return PageModel(n, "statuspage", page_id, comps, lambda now, *p: statuspage_id(*p))


class StatuspagePage:
    kind = "statuspage"

    def __init__(self, model: PageModel, shapes: StatuspageShapes, name: str, base: str) -> None:
        self.model, self.shapes, self.name, self.base = model, shapes, name, base
        self.provider_id = statuspage_id("page", model.page_id)
        self._rows = {c["id"]: c for c in shapes.components}

    def page(self) -> dict[str, Any]:
        return {
            **self.shapes.page,
            "id": self.provider_id,
            "name": self.name,
            "url": self.base,
            "updated_at": iso(self.model.updated_at),
        }

    def component(self, c: SimComponent) -> dict[str, Any]:
        row = self._rows.get(c.id, self.shapes.components[0])
        stamp = iso(c.updated_at) if c.updated_at else row["updated_at"]
        return {
            **row,
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "updated_at": stamp,
            "page_id": self.provider_id,
        }

    def update(self, inc: SimIncident, u: SimUpdate) -> dict[str, Any]:
        names = self.model.components
        affected = [
            {"code": cid, "name": names[cid].name, "old_status": old, "new_status": new}
            for cid, old, new in u.changes
        ]
        stamp = iso(u.at)
        return {
            **self.shapes.update,
            "id": u.id,
            "status": u.status,
            "body": u.body,
            "incident_id": inc.id,
            "created_at": stamp,
            "updated_at": stamp,
            "display_at": stamp,
            "affected_components": affected or None,
        }

    def incident(self, inc: SimIncident) -> dict[str, Any]:
        resolved = inc.first_at("completed" if inc.maintenance else "resolved")
        monitoring = inc.first_at("monitoring")
        data = {
            **self.shapes.incident,
            "id": inc.id,
            "name": inc.name,
            "status": inc.status,
            "created_at": iso(inc.created_at),
            "updated_at": iso(inc.updated_at),
            "monitoring_at": iso(monitoring) if monitoring else None,
            "resolved_at": iso(resolved) if resolved else None,
            "impact": "maintenance" if inc.maintenance else inc.impact,
            "shortlink": f"{self.base}/incidents/{inc.id}",
            "started_at": iso(inc.created_at),
            "page_id": self.provider_id,
            "incident_updates": [self.update(inc, u) for u in reversed(inc.updates)],
            "components": [self.component(self.model.components[c]) for c in inc.component_ids],
        }
        if inc.maintenance:
            data["scheduled_for"] = iso(inc.scheduled_for or inc.created_at)
            data["scheduled_until"] = iso(inc.scheduled_until or inc.created_at)
        return data

    def status(self) -> dict[str, str]:
        open_ = [i for i in self.model.incidents.values() if not i.closed]
        worst = max((IMPACTS.index(i.impact) for i in open_ if not i.maintenance), default=0)
        indicator = IMPACTS[worst]
        if indicator == "none" and any(i.status == "in_progress" for i in open_):
            indicator = "maintenance"
        return {"indicator": indicator, "description": DESCRIPTIONS[indicator]}

    def _listed(self, *, maintenance: bool, open_only: bool, limit: int = 50) -> list[Any]:
        rows = [
            i
            for i in self.model.incidents.values()
            if i.maintenance == maintenance and not (open_only and i.closed)
        ]
        rows.sort(key=lambda i: i.created_at, reverse=True)
        return [self.incident(i) for i in rows[:limit]]

    def render(self, path: str) -> tuple[bytes, str] | None:
        page = self.page()
        comps = [self.component(c) for c in self.model.components.values()]
        if path == "/history.atom":
            return history_atom(self.model, self.name, self.base), ATOM
        data: Any
        if path == "/api/v2/summary.json":
            data = {
                "page": page,
                "components": comps,
                "incidents": self._listed(maintenance=False, open_only=True),
                "scheduled_maintenances": self._listed(maintenance=True, open_only=True),
                "status": self.status(),
            }
        elif path == "/api/v2/status.json":
            data = {"page": page, "status": self.status()}
        elif path == "/api/v2/components.json":
            data = {"page": page, "components": comps}
        elif path == "/api/v2/incidents.json":
            data = {"page": page, "incidents": self._listed(maintenance=False, open_only=False)}
        elif path == "/api/v2/incidents/unresolved.json":
            data = {"page": page, "incidents": self._listed(maintenance=False, open_only=True)}
        elif path == "/api/v2/scheduled-maintenances.json":
            rows = self._listed(maintenance=True, open_only=False)
            data = {"page": page, "scheduled_maintenances": rows}
        elif path.startswith("/api/v2/incidents/") and path.endswith(".json"):
            found = self.model.incidents.get(path.removeprefix("/api/v2/incidents/")[:-5])
            if found is None:
                return None
            data = {"page": page, "incident": self.incident(found)}
        else:
            return None
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), JSON
