"""Per-page filters: which components and groups, how severe, and how loud maintenance is.

    filters:
      include: ["APIs/*", "01JMXBRMFE6N2NNT7DG6XZQ6PW"]  # id, name, group or "group/name" patterns
      exclude: ["*Labs*"]
      min_severity: partial_outage    # degraded | partial_outage | major_outage
      maintenance: quiet              # announce (default: print, marked) | quiet (skip)

Filtered-out events are still applied to the page state (so nothing re-prints later) and
counted; they are only not printed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from monitor import status
from monitor.events import StatusEvent
from monitor.model import ComponentRef

MAINTENANCE_MODES = ("announce", "quiet")


@dataclass(frozen=True)
class Filters:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    min_severity: str | None = None
    maintenance: str = "announce"

    def allows(self, event: StatusEvent, refs: Iterable[ComponentRef], impact: str) -> bool:
        refs = list(refs)
        if event.kind == "platform":
            return True
        maintenance = event.kind == "maintenance" or "maintenance" in (
            event.status,
            event.previous_status,
        )
        if maintenance and self.maintenance == "quiet":
            return False
        if refs and not any(self._wanted(ref) for ref in refs):
            return False
        return self._severe_enough(event, impact)

    def _wanted(self, ref: ComponentRef) -> bool:
        names = [n for n in (ref.id, ref.name, ref.group_id, ref.group_name) if n]
        if ref.group_name:
            names.append(f"{ref.group_name}/{ref.name}")
        included = not self.include or _matches(names, self.include)
        return included and not _matches(names, self.exclude)

    def _severe_enough(self, event: StatusEvent, impact: str) -> bool:
        if self.min_severity is None:
            return True
        floor = self.min_severity
        if event.kind == "component":  # going down to, or coming back from, that level
            levels = [event.status, event.previous_status or status.OPERATIONAL]
            return any(status.reaches(level, floor) for level in levels)
        if impact not in status.IMPACT_RANK:  # unknown impact: printed
            return True
        return status.IMPACT_RANK[impact] >= status.RANK[floor]


def _matches(names: list[str], patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(name, pattern) for name in names for pattern in patterns)


def parse_filters(raw: Mapping[str, Any], problems: list[str]) -> Filters:
    found: dict[str, Any] = {}
    for key in ("include", "exclude"):
        value = raw.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"field 'filters.{key}': expected a list of id or name patterns")
            value = []
        found[key] = tuple(value)
    level = raw.get("min_severity")
    if level is not None and level not in status.FLOORS:
        problems.append(
            f"field 'filters.min_severity': {level!r} is not one of {', '.join(status.FLOORS)}"
        )
        level = None
    mode = raw.get("maintenance", "announce")
    if mode not in MAINTENANCE_MODES:
        problems.append(f"field 'filters.maintenance': {mode!r} is not announce or quiet")
        mode = "announce"
    known = {"include", "exclude", "min_severity", "maintenance"}
    problems += [f"field 'filters.{k}': unknown field" for k in raw if k not in known]
    return Filters(found["include"], found["exclude"], level, mode)
