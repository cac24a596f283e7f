"""Atlassian Statuspage v2 (githubstatus.com, status.claude.com, cloudflarestatus.com, …).

- Endpoint: `<page>/api/v2/summary.json` — components, *unresolved* incidents, upcoming and
  in-progress maintenances. An incident that leaves it is looked up in `incidents.json`
  (maintenances in `scheduled-maintenances.json`, then `incidents/<id>.json`) for its final update;
  one that never showed in a summary we read is found in the same two (`recent`).
- Webhooks: yes, unsigned, no `type` field: `incident` vs `component_update` + `component`.
- Conditional GET: weak ETag (no Last-Modified observed); body hash as fallback.
- Dedup key: (page, incident id, update id); (page, component id, new status, `updated_at`).
- Order (monitor.ordering): a component's and an incident's `updated_at` (a component webhook
  without one: `component_update.created_at`); unreadable, they are left out, not an error.
- Names: a component's group comes from `group_id` (group rows carry `"group": true`), never
  from `affected_components[].name`, which is group-qualified.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from monitor import model
from monitor.adapters.base import Getter, path_segment
from monitor.adapters.jsonshape import arr, loads, obj, opt_text, opt_when, stamp, text, when
from monitor.adapters.statuspage_components import STATUSES, named_by_incidents, parse_components
from monitor.errors import ParseError
from monitor.model import Component, Incident, Snapshot, Update
from monitor.pages import PageConfig
from monitor.status import UNKNOWN

LEFT_SUMMARY = "This incident is no longer listed on the status page."
# The page's history, read in this order: (file, its list, whether the list holds maintenances
# and may be missing).
HISTORY = (
    ("incidents.json", "incidents", False),
    ("scheduled-maintenances.json", "scheduled_maintenances", True),
)


class StatuspageAdapter:
    name = "statuspage"

    def summary_url(self, page: PageConfig) -> str:
        return f"{page.base_url}/api/v2/summary.json"

    def parse(self, body: bytes, page: PageConfig) -> Snapshot:
        data = obj(loads(body, "summary.json"), "summary.json")
        page_obj = obj(data.get("page"), "summary.json.page")
        components = parse_components(arr(data.get("components"), "components"))
        incidents: dict[str, Incident] = {}
        listed = arr(data.get("incidents"), "incidents", optional=True)
        for i, raw in enumerate(listed):
            inc = parse_incident(raw, f"incidents[{i}]")
            incidents[inc.id] = inc
        planned = arr(data.get("scheduled_maintenances"), "scheduled_maintenances", optional=True)
        for i, raw in enumerate(planned):
            inc = parse_incident(raw, f"scheduled_maintenances[{i}]", maintenance=True)
            incidents[inc.id] = inc
        components.update(named_by_incidents([*listed, *planned], components))
        return Snapshot(
            page_name=text(page_obj.get("name", page.name), "page.name"),
            components=components,
            incidents=incidents,
            platform_page_id=opt_text(page_obj.get("id"), "page.id"),
        )

    def resolve(
        self, page: PageConfig, missing: list[str], get: Getter, now: datetime
    ) -> dict[str, Incident]:
        found: dict[str, Incident] = {}
        for path, key, maintenance in HISTORY:
            if len(found) == len(missing):
                break
            body = get(f"{page.base_url}/api/v2/{path}")
            if body is None:
                continue
            data = obj(loads(body, path), path)
            for i, raw in enumerate(arr(data.get(key), f"{path}.{key}", optional=True)):
                if isinstance(raw, dict) and raw.get("id") in missing:
                    inc = parse_incident(raw, f"{path}[{i}]", maintenance=maintenance)
                    found[inc.id] = inc
        for incident_id in [m for m in missing if m not in found]:
            segment = path_segment(incident_id)
            body = get(f"{page.base_url}/api/v2/incidents/{segment}.json") if segment else None
            if body is None:
                found[incident_id] = gone(incident_id, now)
                continue
            raw = obj(loads(body, "incident"), "incident")
            found[incident_id] = parse_incident(raw.get("incident", raw), "incident")
        return found

    def history_urls(self, page: PageConfig) -> list[str]:
        return [f"{page.base_url}/api/v2/{path}" for path, _, _ in HISTORY]

    def recent(self, page: PageConfig, get: Getter, since: datetime) -> dict[str, Incident]:
        """Incidents in `incidents.json`, and maintenances in `scheduled-maintenances.json`
        (incidents.json lists none on Statuspage), first published at or after `since`."""
        found: dict[str, Incident] = {}
        for path, key, optional in HISTORY:
            body = get(f"{page.base_url}/api/v2/{path}")
            if body is None:
                continue
            data = obj(loads(body, path), path)
            for i, raw in enumerate(arr(data.get(key), f"{path}.{key}", optional=optional)):
                planned = key == "scheduled_maintenances" or is_maintenance(raw)
                inc = parse_incident(raw, f"{path}[{i}]", maintenance=planned)
                if inc.updates and inc.updates[0].at >= since:
                    found[inc.id] = inc
        return found

    def parse_webhook(self, payload: dict[str, Any], page: PageConfig) -> Snapshot:
        if "incident" in payload:
            raw = obj(payload["incident"], "incident")
            inc = parse_incident(raw, "incident", maintenance=is_maintenance(raw))
            # The payload's components carry their status at send time, like summary.json.
            components = named_by_incidents([raw], {})
            return Snapshot(page.name, components, {inc.id: inc}, complete=False)
        if "component" in payload and "component_update" in payload:
            return component_webhook(payload, page, lambda raw: STATUSES.get(raw, UNKNOWN))
        raise ParseError("not a Statuspage webhook: no 'incident' nor 'component_update'")


def component_webhook(
    payload: dict[str, Any], page: PageConfig, normalize: Callable[[str], str]
) -> Snapshot:
    """`component_update` + `component`: one component's new status (Statuspage, Instatus)."""
    raw = obj(payload["component"], "component")
    change = obj(payload["component_update"], "component_update")
    status_raw = text(change.get("new_status", raw.get("status")), "new_status")
    changed = stamp(raw.get("updated_at")) or stamp(change.get("created_at"))
    comp = Component(
        id=text(raw.get("id", change.get("component_id")), "component.id"),
        name=text(raw.get("name"), "component.name"),
        status=normalize(status_raw),
        status_raw=status_raw,
        group_id=opt_text(raw.get("group_id"), "component.group_id"),
        updated_at=changed,
        as_of=changed,
    )
    return Snapshot(page.name, components={comp.id: comp}, complete=False)


def is_maintenance(raw: Any) -> bool:
    """An entry of incidents.json or a webhook's incident that is a scheduled maintenance."""
    return isinstance(raw, dict) and (
        raw.get("scheduled_for") is not None or raw.get("impact") == "maintenance"
    )


def parse_incident(raw: Any, where: str, *, maintenance: bool = False) -> Incident:
    raw = obj(raw, where)
    updates = []
    component_ids: list[str] = []
    for i, u in enumerate(arr(raw.get("incident_updates"), f"{where}.incident_updates")):
        u = obj(u, f"{where}.incident_updates[{i}]")
        at = opt_when(u.get("display_at"), "display_at") or when(u.get("created_at"), "created_at")
        updates.append(
            Update(
                id=text(u.get("id"), f"{where}.incident_updates[{i}].id"),
                status=text(u.get("status"), f"{where}.incident_updates[{i}].status"),
                body=opt_text(u.get("body"), "body") or "",
                at=at,
            )
        )
        for c in arr(u.get("affected_components"), "affected_components", optional=True):
            code = obj(c, "affected_components[]").get("code")
            if isinstance(code, str) and code not in component_ids:
                component_ids.append(code)
    for c in arr(raw.get("components"), f"{where}.components", optional=True):
        cid = text(obj(c, f"{where}.components[]").get("id"), f"{where}.components[].id")
        if cid not in component_ids:
            component_ids.append(cid)
    updates.reverse()  # served newest first: updates in the same second keep their order
    updates.sort(key=lambda u: u.at)
    return Incident(
        id=text(raw.get("id"), f"{where}.id"),
        name=text(raw.get("name"), f"{where}.name"),
        status=text(raw.get("status"), f"{where}.status"),
        updates=tuple(updates),
        component_ids=tuple(component_ids),
        impact=opt_text(raw.get("impact"), f"{where}.impact") or UNKNOWN,
        is_maintenance=maintenance,
        url=opt_text(raw.get("shortlink"), f"{where}.shortlink"),
        as_of=stamp(raw.get("updated_at")),
    )


def gone(incident_id: str, now: datetime) -> Incident:
    """Closed with Statuspage's wording (also used by adapters without their own)."""
    return model.gone(incident_id, now, LEFT_SUMMARY)


ADAPTER = StatuspageAdapter()
