"""What an adapter reads off a status page: a platform-neutral snapshot.

Every adapter turns its provider's payload into a `Snapshot`; the detector diffs snapshots
against stored state, so detection logic is written once for every platform.
Ids are the provider's own (component ids, incident ids, update ids): names change, ids don't.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.status import UNKNOWN

# Incident phases that close an incident / a maintenance.
CLOSED_PHASES = frozenset({"resolved", "postmortem", "completed"})


@dataclass(frozen=True)
class ComponentRef:
    """What names a component in a product label or a filter: ids and display names."""

    id: str
    name: str
    group_id: str | None = None
    group_name: str | None = None


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    status: str  # normalized: one of monitor.status.ORDER
    status_raw: str  # the provider's own value
    group_id: str | None = None
    group_name: str | None = None
    updated_at: datetime | None = None  # when the provider last changed it, if it says
    as_of: datetime | None = None  # the provider's: not changed since (monitor.ordering)


@dataclass(frozen=True)
class Update:
    id: str
    status: str  # investigating | identified | monitoring | resolved | postmortem | scheduled | ...
    body: str
    at: datetime  # when the provider published it (display_at / published_at)


@dataclass(frozen=True)
class Incident:
    id: str
    name: str
    status: str
    updates: tuple[Update, ...]  # oldest first
    component_ids: tuple[str, ...] = ()
    impact: str = UNKNOWN
    is_maintenance: bool = False
    url: str | None = None
    as_of: datetime | None = None  # the provider's: not changed since (monitor.ordering)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_PHASES


@dataclass(frozen=True)
class Snapshot:
    """One parse of one page. `complete` is False for partial views (a webhook payload)."""

    page_name: str
    components: dict[str, Component] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    complete: bool = True
    platform_page_id: str | None = None


def gone(incident_id: str, now: datetime, why: str) -> Incident:
    """An open incident the page no longer lists anywhere: close it with one honest line.
    Name and components are filled in from what we knew (monitor.next_state)."""
    update = Update(f"{incident_id}:gone", "resolved", why, now)
    return Incident(incident_id, incident_id, "resolved", (update,))
