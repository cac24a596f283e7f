"""Which channels want an event: each channel's routing rules, read from its `channels:` entry.

    routing:                       # every rule optional; none: every change
      pages: [openai, "git*"]      # page ids or patterns
      components:                  # the same syntax as a page's filters (monitor.filters)
        include: ["APIs/*"]
        exclude: ["*Labs*"]
      min_severity: partial_outage # degraded | partial_outage | major_outage
      kinds: [incident, component] # of incident, component, maintenance
      maintenance: quiet           # announce (default) | quiet
      resolutions: false           # default true: resolved incidents, recovered components

An event's severity is its status for a component; for an open incident, the worst status of
the components it names as the page state knows them now (unknown if none: it passes every
floor, as in page filters); a resolution is `operational` and passes `min_severity` (its
opening may have been sent). A change no channel wants is still printed and logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from monitor import status
from monitor.events import StatusEvent
from monitor.filters import Filters, parse_filters
from monitor.model import ComponentRef
from monitor.state import PageState

KINDS = ("incident", "component", "maintenance")
RESOLVED = ("resolved", "completed", "postmortem")
_FIELDS = {"pages", "components", "min_severity", "kinds", "maintenance", "resolutions"}


@dataclass(frozen=True)
class Route:
    pages: tuple[str, ...] = ()
    components: Filters = field(default_factory=Filters)  # include, exclude and maintenance
    min_severity: str | None = None
    kinds: tuple[str, ...] = KINDS
    resolutions: bool = True

    @property
    def needs_state(self) -> bool:
        """Whether its rules read the page state (component names and groups, severity)."""
        return bool(self.components.include or self.components.exclude or self.min_severity)

    def wants(self, event: StatusEvent, refs: list[ComponentRef], severity: str) -> bool:
        if event.kind not in self.kinds:
            return False
        if self.pages and not any(fnmatchcase(event.page_id, p) for p in self.pages):
            return False
        if not self.components.allows(event, refs, "unknown"):
            return False
        if is_resolution(event):
            return self.resolutions
        if self.min_severity is None:
            return True
        if event.kind == "component":  # going down to that level
            return status.reaches(event.status, self.min_severity)
        return status.reaches(severity, self.min_severity)


def is_resolution(event: StatusEvent) -> bool:
    if event.kind == "component":
        return event.status == status.OPERATIONAL
    return event.status in RESOLVED


def refs(state: PageState | None, event: StatusEvent) -> list[ComponentRef]:
    """The event's components with their names and groups, as the page state knows them."""
    found = []
    for component_id in event.component_ids:
        known = state.components.get(component_id) if state else None
        if known is None:
            found.append(ComponentRef(component_id, component_id))
        else:
            found.append(ComponentRef(component_id, known.name, known.group_id, known.group_name))
    return found


def severity(state: PageState | None, event: StatusEvent) -> str:
    if event.kind == "component":
        return event.status
    if is_resolution(event):
        return status.OPERATIONAL
    if event.kind == "maintenance":
        return status.MAINTENANCE
    known = [
        state.components[c].status for c in event.component_ids if state and c in state.components
    ]
    bad = [s for s in known if s != status.OPERATIONAL]
    return status.worst(bad) if bad else status.UNKNOWN


def parse_route(raw: Mapping[str, Any], problems: list[str]) -> Route:
    """`problems` get "field 'routing.…': …" lines."""
    problems += [f"field 'routing.{k}': unknown field" for k in raw if k not in _FIELDS]
    pages = raw.get("pages") or []
    pages = [pages] if isinstance(pages, str) else pages
    if not isinstance(pages, list) or not all(isinstance(p, str) and p for p in pages):
        problems.append("field 'routing.pages': expected a list of page ids or patterns")
        pages = []
    components = raw.get("components") or {}
    if not isinstance(components, Mapping):
        problems.append("field 'routing.components': expected include and/or exclude")
        components = {}
    mine: list[str] = []
    filters = parse_filters({**components, "maintenance": raw.get("maintenance", "announce")}, mine)
    problems += [p.replace("'filters.", "'routing.components.", 1) for p in mine]
    problems[:] = [
        p.replace("routing.components.maintenance", "routing.maintenance") for p in problems
    ]
    level = raw.get("min_severity")
    if level is not None and level not in status.FLOORS:
        problems.append(
            f"field 'routing.min_severity': {level!r} is not one of {', '.join(status.FLOORS)}"
        )
        level = None
    kinds = raw.get("kinds", list(KINDS))
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
        problems.append(f"field 'routing.kinds': expected a list of {', '.join(KINDS)}")
        kinds = list(KINDS)
    resolutions = raw.get("resolutions", True)
    if not isinstance(resolutions, bool):
        problems.append(f"field 'routing.resolutions': {resolutions!r} must be true or false")
        resolutions = True
    return Route(tuple(pages), filters, level, tuple(kinds), resolutions)
