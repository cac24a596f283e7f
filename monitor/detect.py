"""Diff a snapshot against the stored state of its page: the events, and the next state.

Pure: no I/O but an info line per stale view refused (monitor.ordering: a view older than
the state changes nothing). First poll of a page (no state): each non-operational component
and the latest update of each open incident, once. Later polls: every update not seen before
(all of them, oldest first), every component transition in both directions. A partial
snapshot (a webhook) only adds what it shows and never removes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.event_maker import EventMaker, migration_event
from monitor.events import StatusEvent
from monitor.model import Snapshot
from monitor.next_state import copy_state, incident_state, prune, remember
from monitor.ordering import component_stamp, incident_stamp, newest, refused, stale
from monitor.pages import PageConfig
from monitor.state import ComponentState, PageState


@dataclass(frozen=True)
class Diff:
    events: list[StatusEvent]  # to print
    state: PageState
    filtered: int = 0  # events the page's filters held back (applied to state, not printed)


def diff(
    page: PageConfig,
    provider: str,
    prev: PageState | None,
    snap: Snapshot,
    now: datetime,
    source: str = "poll",
    retention: timedelta = timedelta(days=30),
) -> Diff:
    if prev is not None and migrated(prev, provider, snap):
        baseline = diff(page, provider, None, snap, now, source, retention)
        return Diff([migration_event(page, provider, prev, snap, now, source)], baseline.state)
    first = prev is None or not prev.baselined  # a webhook before the first poll: still first
    state = PageState() if prev is None else copy_state(prev)
    state.baselined = state.baselined or snap.complete
    state.platform = provider
    state.platform_page_id = snap.platform_page_id or state.platform_page_id
    maker = EventMaker(page, provider, state, snap, source)
    events: list[StatusEvent] = []
    for comp in snap.components.values():
        known, stamp = state.components.get(comp.id), component_stamp(comp, now)
        if known is not None and stale(stamp, known.as_of):
            refused(page.id, f"component {comp.id}", stamp, known.as_of)
            continue
        events += maker.component(comp, known, now)
        state.components[comp.id] = ComponentState(
            comp.status,
            comp.status_raw,
            comp.name,
            comp.group_id,
            comp.group_name,
            newest(stamp, known.as_of if known else None),
        )
    if snap.complete:
        for gone in set(state.components) - set(snap.components):
            del state.components[gone]
    cutoff = now - retention
    for incident in snap.incidents.values():
        old, stamp = state.incidents.get(incident.id), incident_stamp(incident, now)
        incident = remember(incident, old)
        fresh = maker.incident(incident, old, first, cutoff)
        events += fresh
        if old is not None and stale(stamp, old.as_of):
            refused(page.id, f"incident {incident.id}", stamp, old.as_of)
            old.seen += [e.update_id for e in fresh if e.update_id]  # printed, never again
            continue
        state.incidents[incident.id] = incident_state(incident, old, now, stamp)
    prune(state, cutoff)
    events.sort(key=lambda e: e.occurred_at)
    kept = [e for e in events if maker.allowed(e)]
    return Diff(kept, state, len(events) - len(kept))


def migrated(prev: PageState, provider: str, snap: Snapshot) -> bool:
    """The page moved platform, or re-created every component (new ids for all of them)."""
    if not snap.complete:
        return False
    if prev.platform and prev.platform != provider:
        return True
    return bool(prev.components and snap.components) and not (
        prev.components.keys() & snap.components.keys()
    )
