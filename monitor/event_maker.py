"""The status events of a change, as detected by monitor.detect: a component's transition, each
new update of an incident or maintenance (on a first poll, only the latest of an open one), and
the page's move to another platform; whether the page's filters let an event through.
"""

from __future__ import annotations

from datetime import datetime

from monitor.events import EventKind, StatusEvent, dedup_key
from monitor.labels import product_label
from monitor.model import Component, ComponentRef, Incident, Snapshot, Update
from monitor.pages import PageConfig
from monitor.state import ComponentState, IncidentState, PageState


def migration_event(
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


class EventMaker:
    """The events of one diff of one page: names its components from the snapshot, else from
    the state being built, and applies the page's filters (`allowed`)."""

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
        self, comp: Component, old: ComponentState | None, now: datetime
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
