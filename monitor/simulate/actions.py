"""What each scenario step does to a page; default texts are Statuspage's own templates."""

from __future__ import annotations

from typing import Any

from monitor.simulate.model import PageModel, Publication
from monitor.simulate.scenario import Step

BODIES = {
    "investigating": "We are currently investigating this issue.",
    "identified": "The issue has been identified and a fix is being implemented.",
    "monitoring": "A fix has been implemented and we are monitoring the results.",
    "resolved": "This incident has been resolved.",
    "scheduled": "We will be undergoing scheduled maintenance during this time.",
    "in_progress": "Scheduled maintenance is currently in progress. "
    "We will provide updates as necessary.",
    "verifying": "Verification is currently underway for the maintenance items.",
    "completed": "The scheduled maintenance has been completed.",
}
MAINTENANCE_STATUS = {
    "in_progress": "under_maintenance",
    "verifying": "under_maintenance",
    "completed": "operational",
}


def _body(a: Any, status: str) -> str:
    return str(a.get("body") or BODIES.get(status, ""))


def apply_step(m: PageModel, step: Step, now: float) -> list[Publication]:
    """Change the page; faults are the world's business and publish nothing here."""
    a, do = step.args, step.do
    if do == "open":
        status = str(a.get("status", "investigating"))
        components = list(a.get("components") or [])
        comp_status = a.get("component_status") or ("degraded_performance" if components else None)
        impact = str(a.get("impact", "minor"))
        return m.open(
            str(a["incident"]),
            str(a["name"]),
            status,
            _body(a, status),
            now,
            components=components,
            component_status=comp_status,
            impact=impact,
        )
    if do in ("update", "resolve"):
        status = str(a.get("status", "resolved"))
        comp_status = a.get("component_status") or ("operational" if do == "resolve" else None)
        return m.update(
            str(a["incident"]), status, _body(a, status), now, component_status=comp_status
        )
    if do == "component":
        return m.set_component(a["component"], str(a["status"]), now)
    if do == "rename":
        return m.rename(a["component"], str(a["name"]), now)
    if do == "maintenance":
        return _maintenance(m, a, now)
    return []


def _maintenance(m: PageModel, a: Any, now: float) -> list[Publication]:
    label, phase = str(a["maintenance"]), str(a["phase"])
    comp_status = MAINTENANCE_STATUS.get(phase)
    if label in m.labels:
        return m.update(label, phase, _body(a, phase), now, component_status=comp_status)
    until = now + 60 * float(a.get("minutes", 60))
    name = str(a.get("name") or "Scheduled maintenance")
    return m.open(
        label,
        name,
        phase,
        _body(a, phase),
        now,
        components=list(a.get("components") or []),
        component_status=comp_status,
        impact="maintenance",
        maintenance=True,
        scheduled=(now, until),
    )
