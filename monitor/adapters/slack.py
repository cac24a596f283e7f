"""Slack (slack-status.com), Status API v2.0.0.

- Endpoint: `<origin>/api/v2.0.0/current` → `{status: ok|active, date_created, date_updated,
  active_incidents[]}` (`active_incidents` is absent from old "ok" answers). An incident has
  `id` (a string in the docs, an integer in Slack's SDK), `title`, `type` (incident | notice |
  outage | maintenance), `status` (active | resolved | scheduled | completed | cancelled),
  `url`, `services[]` (names) and `notes[]` (`date_created`, `body`; no ids). An incident
  that leaves `current` is looked up in `<origin>/api/v2.0.0/history` for its final state.
- Updates: one per note, keyed `(incident id, note date_created, phase)`. Only the newest note
  carries the incident's phase (so a resolution without a new note re-announces it once as
  resolved); older notes keep the open phase (investigating, in_progress for maintenances).
- Components: Slack has no service ids: services are keyed by name. The eleven services of the
  status page are always present (operational unless an open incident names them), so a
  recovery is a transition; a service only an incident names comes and goes with it.
  Status from the incident type: outage → major_outage, incident → partial_outage,
  notice → degraded, maintenance → maintenance.
- Webhooks: none (Atom/RSS feeds only). Conditional GET: validators if sent, else body hash.
- Dedup key: (page, incident id, synthesized note id); (page, service name, status, date_updated).
"""

from __future__ import annotations

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

SERVICES = (
    "Login/SSO",
    "Connectivity",
    "Messaging",
    "Files",
    "Notifications",
    "Huddles",
    "Search",
    "Apps/Integrations/APIs",
    "Workspace/Org Administration",
    "Workflows",
    "Canvases",
)
STATUSES = {
    "outage": "major_outage",
    "incident": "partial_outage",
    "notice": "degraded",
    "maintenance": "maintenance",
}
PHASES = {
    "resolved": "resolved",
    "scheduled": "scheduled",
    "completed": "completed",
    "cancelled": "completed",
}
IMPACTS = {"outage": "major", "incident": "minor", "notice": "none"}


class SlackAdapter:
    name = "slack"

    def summary_url(self, page: PageConfig) -> str:
        return f"{_origin(page)}/api/v2.0.0/current"

    def parse(self, body: bytes, page: PageConfig) -> Snapshot:
        data = obj(loads(body, "current"), "current")
        text(data.get("status"), "current.status")
        since = opt_when(data.get("date_updated"), "current.date_updated")
        components = {n: Component(n, n, "operational", "ok", updated_at=since) for n in SERVICES}
        incidents: dict[str, Incident] = {}
        rows = arr(data.get("active_incidents"), "active_incidents", optional=True)
        for i, raw in enumerate(rows):
            incident, kind, services = parse_incident(raw, f"active_incidents[{i}]")
            incidents[incident.id] = incident
            if incident.status not in ("investigating", "in_progress"):
                continue  # resolved, or a maintenance still to come: no status on the services
            status = STATUSES.get(kind, UNKNOWN)
            at = incident.updates[-1].at
            for name in services:
                old = components.get(name)
                if old is None or rank(status) > rank(old.status):
                    components[name] = Component(name, name, status, kind, updated_at=at)
        return Snapshot(page_name=page.name, components=components, incidents=incidents)

    def resolve(
        self, page: PageConfig, missing: list[str], get: Getter, now: datetime
    ) -> dict[str, Incident]:
        known: dict[str, Incident] = {}
        body = get(f"{_origin(page)}/api/v2.0.0/history")
        if body is not None:
            for i, raw in enumerate(arr(loads(body, "history"), "history")):
                if isinstance(raw, dict) and str(raw.get("id")) in missing:
                    known[str(raw["id"])] = parse_incident(raw, f"history[{i}]")[0]
        return {i: known.get(i) or gone(i, now) for i in missing}

    def parse_webhook(self, payload: dict[str, Any], page: PageConfig) -> Snapshot:
        raise ParseError("Slack's status page sends no webhooks (feeds only); poll it instead")


def _origin(page: PageConfig) -> str:
    return f"{urlsplit(page.url).scheme}://{page.host}"


def parse_incident(raw: Any, where: str) -> tuple[Incident, str, list[str]]:
    """The incident, its raw type and the names of the services it names."""
    raw = obj(raw, where)
    incident_id = text(raw.get("id"), f"{where}.id")
    kind = opt_text(raw.get("type"), f"{where}.type") or "incident"
    status_raw = text(raw.get("status"), f"{where}.status")
    maintenance = kind == "maintenance" or status_raw in ("scheduled", "completed", "cancelled")
    open_phase = "in_progress" if maintenance else "investigating"
    phase = open_phase if status_raw == "active" else PHASES.get(status_raw, UNKNOWN)
    notes = []
    for j, n in enumerate(arr(raw.get("notes"), f"{where}.notes", optional=True)):
        n = obj(n, f"{where}.notes[{j}]")
        at = when(n.get("date_created"), f"{where}.notes[{j}].date_created")
        notes.append((at, opt_text(n.get("body"), f"{where}.notes[{j}].body") or ""))
    if not notes:  # nothing written yet: the incident itself is its first update
        notes.append((when(raw.get("date_created"), f"{where}.date_created"), ""))
    notes.sort(key=lambda n: n[0])
    updates = []
    for j, (at, body) in enumerate(notes):
        step = phase if j == len(notes) - 1 else open_phase
        key = f"{incident_id}:{at.isoformat()}:{step}"
        updates.append(Update(key, step, body.replace("\r\n", "\n").strip(), at))
    services = [
        text(s, f"{where}.services[{j}]")
        for j, s in enumerate(arr(raw.get("services"), f"{where}.services", optional=True))
    ]
    incident = Incident(
        id=incident_id,
        name=opt_text(raw.get("title"), f"{where}.title") or incident_id,
        status=phase,
        updates=tuple(updates),
        component_ids=tuple(dict.fromkeys(services)),
        impact="maintenance" if maintenance else IMPACTS.get(kind, UNKNOWN),
        is_maintenance=maintenance,
        url=opt_text(raw.get("url"), f"{where}.url"),
    )
    return incident, kind, services


ADAPTER = SlackAdapter()
