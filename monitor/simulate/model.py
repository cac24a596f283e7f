"""One simulated page's state, kind-neutral, and the changes a scenario makes to it.

Every change returns the `Publication`s it makes visible: what a monitor should print once
(an incident or maintenance update, a component's new status) or nothing (a rename).
Statuses are the page's own raw vocabulary (`degraded_performance`, `full_outage`, …);
maintenance phases are Statuspage's (`scheduled`, `in_progress`, `verifying`, `completed`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from monitor.simulate.ids import iso

CLOSED = frozenset({"resolved", "postmortem", "completed"})
OPERATIONAL = "operational"
IdMaker = Callable[..., str]  # (now, *parts) -> a provider-shaped id


@dataclass(frozen=True)
class Publication:
    """One change a provider published; `expected` ones should be printed exactly once."""

    page_id: str  # the configured page id (pages.yaml)
    kind: str  # incident | maintenance | component | rename
    ref: str  # incident id or component id
    update_id: str | None
    status: str  # raw status, phase, or the new name of a rename
    published_at: float  # wall clock when it became visible
    occurred_at: str  # the provider's own timestamp in the payload
    previous: str | None = None  # a component's status before the change

    @property
    def expected(self) -> bool:
        return self.kind != "rename"


@dataclass
class SimComponent:
    id: str
    name: str
    status: str = OPERATIONAL
    updated_at: float = 0.0


@dataclass
class SimUpdate:
    id: str
    status: str
    body: str
    at: float
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (component, old, new)


@dataclass
class SimIncident:
    id: str
    name: str
    impact: str
    created_at: float
    maintenance: bool = False
    updates: list[SimUpdate] = field(default_factory=list)  # oldest first
    component_ids: list[str] = field(default_factory=list)
    scheduled_for: float | None = None
    scheduled_until: float | None = None

    @property
    def status(self) -> str:
        return self.updates[-1].status

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def updated_at(self) -> float:
        return self.updates[-1].at

    def first_at(self, status: str) -> float | None:
        return next((u.at for u in self.updates if u.status == status), None)


class PageModel:
    def __init__(
        self, n: int, kind: str, page_id: str, components: list[SimComponent], new_id: IdMaker
    ) -> None:
        self.n, self.kind, self.page_id = n, kind, page_id
        self.components = {c.id: c for c in components}
        self.incidents: dict[str, SimIncident] = {}  # by provider id, oldest first
        self.labels: dict[str, str] = {}  # scenario label -> provider id
        self.new_id = new_id
        self.updated_at = max((c.updated_at for c in components), default=0.0)
        self.version = 0

    def component(self, ref: str | int) -> SimComponent:
        if isinstance(ref, int):
            return list(self.components.values())[ref]
        return self.components[ref]

    def incident(self, label: str) -> SimIncident:
        return self.incidents[self.labels.get(label, label)]

    def open(
        self,
        label: str,
        name: str,
        status: str,
        body: str,
        now: float,
        *,
        components: Sequence[str | int] = (),
        component_status: str | None = None,
        impact: str = "minor",
        maintenance: bool = False,
        scheduled: tuple[float, float] | None = None,
    ) -> list[Publication]:
        incident_id = self.new_id(now, self.page_id, "incident", label, len(self.incidents))
        self.labels[label] = incident_id
        self.incidents[incident_id] = SimIncident(
            incident_id,
            name,
            impact,
            now,
            maintenance,
            component_ids=[self.component(c).id for c in components],
            scheduled_for=scheduled[0] if scheduled else None,
            scheduled_until=scheduled[1] if scheduled else None,
        )
        return self.update(label, status, body, now, component_status=component_status)

    def update(
        self, label: str, status: str, body: str, now: float, *, component_status: str | None = None
    ) -> list[Publication]:
        inc = self.incident(label)
        update_id = self.new_id(now, self.page_id, inc.id, len(inc.updates))
        update = SimUpdate(update_id, status, body, now)
        pubs: list[Publication] = []
        for cid in inc.component_ids if component_status else ():
            assert component_status is not None
            old = self.components[cid].status
            pubs += self._set(cid, component_status, now)
            if old != component_status:
                update.changes.append((cid, old, component_status))
        inc.updates.append(update)
        self._touch(now)
        kind = "maintenance" if inc.maintenance else "incident"
        return [*pubs, Publication(self.page_id, kind, inc.id, update_id, status, now, iso(now))]

    def set_component(self, ref: str | int, status: str, now: float) -> list[Publication]:
        pubs = self._set(self.component(ref).id, status, now)
        self._touch(now)
        return pubs

    def rename(self, ref: str | int, name: str, now: float) -> list[Publication]:
        comp = self.component(ref)
        comp.name = name
        self._touch(now)
        return [Publication(self.page_id, "rename", comp.id, None, name, now, iso(now))]

    def _set(self, cid: str, status: str, now: float) -> list[Publication]:
        comp = self.components[cid]
        if comp.status == status:
            return []
        old, comp.status, comp.updated_at = comp.status, status, now
        return [Publication(self.page_id, "component", cid, None, status, now, iso(now), old)]

    def _touch(self, now: float) -> None:
        self.updated_at = now
        self.version += 1
