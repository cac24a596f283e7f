"""Diff a snapshot against the stored state of its page: the events, and the next state.

Pure: no I/O. First poll of a page (no state): each non-operational component and the latest
update of each open incident, once. Later polls: every update not seen before (all of them,
oldest first), every component transition in both directions. A partial snapshot (a webhook)
only adds what it shows and never removes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.events import EventKind, StatusEvent, dedup_key
from monitor.labels import product_label
from monitor.model import Component, ComponentRef, Incident, Snapshot, Update
from monitor.pages import PageConfig
from monitor.state import ComponentState, IncidentState, PageState


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
        return Diff([_migration_event(page, provider, prev, snap, now, source)], baseline.state)
    first = prev is None or not prev.baselined  # a webhook before the first poll: still first
    state = PageState() if prev is None else _copy(prev)
    state.baselined = state.baselined or snap.complete
    state.platform = provider
    state.platform_page_id = snap.platform_page_id or state.platform_page_id
    maker = _EventMaker(page, provider, state, snap, source)
    events: list[StatusEvent] = []
    for comp in snap.components.values():
        events += maker.component(comp, state.components.get(comp.id), now, first)
        state.components[comp.id] = ComponentState(
            comp.status, comp.status_raw, comp.name, comp.group_id, comp.group_name
        )
    if snap.complete:
        for gone in set(state.components) - set(snap.components):
            del state.components[gone]
    cutoff = now - retention
    for incident in snap.incidents.values():
        incident = _remember(incident, state.incidents.get(incident.id))
        events += maker.incident(incident, state.incidents.get(incident.id), first, cutoff)
        state.incidents[incident.id] = _incident_state(
            incident, state.incidents.get(incident.id), now
        )
    _prune(state, cutoff)
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


def _migration_event(
    page: PageConfig, provider: str, prev: PageState, snap: Snapshot, now: datetime, source: str
) -> StatusEvent:
    """One line for the move itself; the new platform's state is the new baseline."""
    old = prev.platform or "unknown"
    if old != provider:
        body = f"status page changed platform: {old} → {provider}"
    else:
        body = f"status page changed its component ids ({len(snap.components)} components)"
    ids = ",".join(sorted(snap.components))
    return StatusEvent(
        page_id=page.id,
        page_name=page.name,
        provider=provider,
        kind="platform",
        product=page.name,
        status="changed",
        status_raw=provider,
        previous_status=old,
        occurred_at=now,
        dedup_key=dedup_key(page.id, "platform", old, provider, ids),
        body=body,
        source=source,
    )


def _copy(prev: PageState) -> PageState:
    return PageState(
        prev.platform,
        prev.platform_page_id,
        {k: replace(v) for k, v in prev.components.items()},
        {k: replace(v, seen=list(v.seen)) for k, v in prev.incidents.items()},
        prev.baselined,
        prev.news_since,
    )


def _remember(incident: Incident, old: IncidentState | None) -> Incident:
    """A partial view (a final update fetched alone) keeps the name and components we knew."""
    if old is None:
        return incident
    name = old.name if incident.name == incident.id else incident.name
    comps = incident.component_ids or tuple(old.component_ids)
    return replace(
        incident,
        name=name,
        component_ids=comps,
        is_maintenance=incident.is_maintenance or old.maintenance,
    )


def _incident_state(incident: Incident, old: IncidentState | None, now: datetime) -> IncidentState:
    seen = list(old.seen) if old else []
    seen += [u.id for u in incident.updates if u.id not in seen]
    closed_at = (old.closed_at if old else None) or (now.isoformat() if incident.closed else None)
    if not incident.closed:
        closed_at = None
    return IncidentState(
        status=incident.status,
        name=incident.name,
        seen=seen,
        component_ids=list(incident.component_ids),
        maintenance=incident.is_maintenance,
        closed_at=closed_at,
    )


def _prune(state: PageState, cutoff: datetime) -> None:
    for incident_id, inc in list(state.incidents.items()):
        if inc.closed_at and datetime.fromisoformat(inc.closed_at) < cutoff:
            del state.incidents[incident_id]


class _EventMaker:
    def __init__(
        self, page: PageConfig, provider: str, state: PageState, snap: Snapshot, source: str
    ) -> None:
        self.page, self.provider, self.state, self.snap, self.source = (
            page,
            provider,
            state,
            snap,
            source,
        )

    def allowed(self, event: StatusEvent) -> bool:
        refs = [self.ref(c) for c in event.component_ids]
        incident = self.snap.incidents.get(event.incident_id or "")
        return self.page.filters.allows(event, refs, incident.impact if incident else "unknown")

    def ref(self, component_id: str) -> ComponentRef:
        comp = self.snap.components.get(component_id)
        if comp is not None:
            return ComponentRef(comp.id, comp.name, comp.group_id, comp.group_name)
        known = self.state.components.get(component_id)
        if known is not None:
            return ComponentRef(component_id, known.name, known.group_id, known.group_name)
        return ComponentRef(component_id, component_id)

    def component(
        self, comp: Component, old: ComponentState | None, now: datetime, first: bool
    ) -> list[StatusEvent]:
        if old is not None and old.status == comp.status:
            return []
        if old is None and comp.status == "operational":
            return []  # first sight of a healthy component: nothing to say
        at = comp.updated_at or now
        key = dedup_key(self.page.id, "component", comp.id, comp.status_raw, at.isoformat())
        return [
            StatusEvent(
                page_id=self.page.id,
                page_name=self.page.name,
                provider=self.provider,
                kind="component",
                product=product_label(self.page, [self.ref(comp.id)]),
                status=comp.status,
                status_raw=comp.status_raw,
                previous_status=old.status if old else None,
                occurred_at=at,
                dedup_key=key,
                component_ids=(comp.id,),
                source=self.source,
            )
        ]

    def incident(
        self, incident: Incident, old: IncidentState | None, first: bool, cutoff: datetime
    ) -> list[StatusEvent]:
        seen = set(old.seen) if old else set()
        fresh = [u for u in incident.updates if u.id not in seen]
        if old is None and first:
            fresh = [] if incident.closed else fresh[-1:]  # baseline: the latest update only
        elif old is None and incident.closed:  # history feeds still list closed incidents
            fresh = [u for u in fresh if u.at >= cutoff]  # we pruned: old updates are history
        return [self.update_event(incident, u) for u in fresh]

    def update_event(self, incident: Incident, update: Update) -> StatusEvent:
        kind: EventKind = "maintenance" if incident.is_maintenance else "incident"
        refs = [self.ref(c) for c in incident.component_ids]
        return StatusEvent(
            page_id=self.page.id,
            page_name=self.page.name,
            provider=self.provider,
            kind=kind,
            product=product_label(self.page, refs, incident.name),
            status=update.status,
            status_raw=update.status,
            occurred_at=update.at,
            dedup_key=dedup_key(self.page.id, kind, incident.id, update.id),
            body=update.body,
            component_ids=tuple(incident.component_ids),
            incident_id=incident.id,
            incident_name=incident.name,
            update_id=update.id,
            url=incident.url,
            source=self.source,
        )
