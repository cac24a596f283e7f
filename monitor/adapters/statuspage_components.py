"""Statuspage components: the page's list (`components[]`, group rows apart), and the ones only
an incident names.

- A component's group is its `group_id`'s row (`"group": true`), never the group-qualified
  `affected_components[].name` ("Cloudflare Sites and Services - Tunnel").
- An incident's own `components[]` carry each component's status when the payload was made.
  A webhook has no page list, and a page list may leave out what an incident names (a trimmed
  copy, a hidden component): those components are taken from the incident. Their group row is
  then unknown too, so the group is named by what the updates' qualified name puts before
  ` - <component name>`, when it ends so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from monitor.adapters.jsonshape import arr, obj, opt_text, stamp, text
from monitor.model import Component
from monitor.status import UNKNOWN

STATUSES = {
    "operational": "operational",
    "degraded_performance": "degraded",
    "partial_outage": "partial_outage",
    "major_outage": "major_outage",
    "under_maintenance": "maintenance",
}


def parse_components(rows: list[Any]) -> dict[str, Component]:
    rows = [obj(r, f"components[{i}]") for i, r in enumerate(rows)]
    groups = {text(r.get("id"), "components[].id"): r for r in rows if r.get("group") is True}
    components: dict[str, Component] = {}
    for i, row in enumerate(rows):
        if row.get("group") is True:
            continue
        group_id = opt_text(row.get("group_id"), f"components[{i}].group_id")
        group = groups.get(group_id or "")
        status_raw = text(row.get("status"), f"components[{i}].status")
        comp = Component(
            id=text(row.get("id"), f"components[{i}].id"),
            name=text(row.get("name"), f"components[{i}].name"),
            status=STATUSES.get(status_raw, UNKNOWN),
            status_raw=status_raw,
            group_id=group_id,
            group_name=text(group.get("name"), "group.name") if group else None,
            updated_at=stamp(row.get("updated_at")),
            as_of=stamp(row.get("updated_at")),
        )
        components[comp.id] = comp
    return components


def named_by_incidents(raws: list[Any], known: Mapping[str, Component]) -> dict[str, Component]:
    """The components the incidents `raws` name that `known` lacks."""
    found: dict[str, Component] = {}
    for i, raw in enumerate(raws):
        raw = obj(raw, f"incidents[{i}]")
        rows = arr(raw.get("components"), f"incidents[{i}].components", optional=True)
        rows = [r for r in rows if not (isinstance(r, dict) and r.get("id") in known)]
        qualified = _qualified_names(raw, f"incidents[{i}]")
        for cid, comp in parse_components(rows).items():
            if cid in found:
                continue
            suffix = f" - {comp.name}"
            full = qualified.get(cid, "")
            group = full[: -len(suffix)].strip() if full.endswith(suffix) else ""
            found[cid] = replace(comp, group_name=group) if group and not comp.group_name else comp
    return found


def _qualified_names(raw: dict[str, Any], where: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for u in arr(raw.get("incident_updates"), f"{where}.incident_updates", optional=True):
        for a in arr(obj(u, where).get("affected_components"), where, optional=True):
            a = obj(a, f"{where}.affected_components[]")
            code, name = a.get("code"), opt_text(a.get("name"), f"{where}.affected_components[]")
            if isinstance(code, str) and name:
                names.setdefault(code, name)
    return names
