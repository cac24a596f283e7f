"""Scenario scripts (YAML or JSON): timed steps applied to simulated pages.

```yaml
steps:
  - {at: 0,  page: 3, do: open, incident: a, name: Elevated errors,
     components: [2], component_status: degraded_performance}
  - {at: 60, page: 3, do: update, incident: a, status: identified}
  - {at: 61, page: 3, do: update, incident: a, status: monitoring}   # two updates, one poll
  - {at: 90, page: 3, do: fault, mode: "429", retry_after: 6}
  - {at: 120, page: 3, do: resolve, incident: a}   # leaves summary.json, stays in incidents.json
  - {at: 30, page: 4, do: component, component: 0, status: partial_outage}
  - {at: 30, page: 5, do: rename, component: 1, name: API (v2)}
  - {at: 40, page: 6, do: maintenance, maintenance: m, phase: scheduled, name: DB upgrade}
```
`at` is seconds from the start; steps with the same `at` (or without one) form one group that
`step()` applies together. Components are an index into the page's list or a component id.
Every problem is reported at once, naming the step and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.simulate.faults import MODES

REQUIRED = {
    "open": ("incident", "name"),
    "update": ("incident", "status"),
    "resolve": ("incident",),
    "component": ("component", "status"),
    "rename": ("component", "name"),
    "maintenance": ("maintenance", "phase"),
    "fault": ("mode",),
    "clear_faults": (),
}
PHASES = ("scheduled", "in_progress", "verifying", "completed")


class ScenarioError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Step:
    do: str
    page: int
    at: float | None = None
    args: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"do": self.do, "page": self.page}
        if self.at is not None:
            head["at"] = self.at
        return {**head, **self.args}


@dataclass(frozen=True)
class Scenario:
    steps: tuple[Step, ...] = ()

    def groups(self) -> list[list[Step]]:
        """Consecutive steps sharing an `at` form one group; untimed steps stand alone."""
        groups: list[list[Step]] = []
        for s in sorted(self.steps, key=lambda s: -1.0 if s.at is None else s.at):
            if groups and s.at is not None and groups[-1][0].at == s.at:
                groups[-1].append(s)
            else:
                groups.append([s])
        return groups

    def dump(self) -> str:
        return yaml.safe_dump({"steps": [s.to_dict() for s in self.steps]}, sort_keys=False)


def load_scenario(path: str | Path) -> Scenario:
    text = Path(path).read_text(encoding="utf-8")
    try:
        raw = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ScenarioError([f"{path}: unreadable: {exc}".replace("\n", " ")]) from None
    return parse_scenario(raw, str(path))


def parse_scenario(raw: Any, where: str = "scenario", pages: int | None = None) -> Scenario:
    items = raw.get("steps") if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        raise ScenarioError([f"{where}: expected a list of steps under 'steps:'"])
    problems: list[str] = []
    steps = [
        s
        for i, item in enumerate(items)
        if (s := parse_step(item, f"{where}: step {i + 1}", problems, pages))
    ]
    if problems:
        raise ScenarioError(problems)
    return Scenario(tuple(steps))


def parse_step(item: Any, where: str, problems: list[str], pages: int | None = None) -> Step | None:
    if not isinstance(item, Mapping):
        problems.append(f"{where}: expected a mapping with 'do' and 'page'")
        return None
    before = len(problems)
    do, page, at = item.get("do"), item.get("page"), item.get("at")
    if do not in REQUIRED:
        problems.append(f"{where}: field 'do': {do!r} is not one of {', '.join(REQUIRED)}")
    if (
        isinstance(page, bool)
        or not isinstance(page, int)
        or page < 0
        or (pages is not None and page >= pages)
    ):
        problems.append(f"{where}: field 'page': {page!r} is not a page index")
    if at is not None and (isinstance(at, bool) or not isinstance(at, (int, float)) or at < 0):
        problems.append(f"{where}: field 'at': {at!r} must be seconds ≥ 0")
    for key in REQUIRED.get(str(do), ()):
        if item.get(key) in (None, ""):
            problems.append(f"{where}: field {key!r}: required for '{do}'")
    if do == "fault" and str(item.get("mode")) not in MODES:
        problems.append(
            f"{where}: field 'mode': {item.get('mode')!r} is not one of {', '.join(MODES)}"
        )
    if do == "maintenance" and item.get("phase") not in PHASES:
        problems.append(
            f"{where}: field 'phase': {item.get('phase')!r} is not one of {', '.join(PHASES)}"
        )
    if len(problems) > before or not isinstance(page, int):
        return None
    args = {k: v for k, v in item.items() if k not in ("do", "page", "at")}
    return Step(str(do), page, None if at is None else float(at), args)
