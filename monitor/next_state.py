"""The next state of a page, from the previous one and what a snapshot shows (monitor.detect):
a copy to change, incidents as remembered across partial views, each incident's seen updates
and closing time, and closed incidents forgotten after the retention.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor.model import Incident
from monitor.ordering import newest
from monitor.state import IncidentState, PageState


def copy_state(prev: PageState) -> PageState:
    return PageState(
        prev.platform,
        prev.platform_page_id,
        {k: replace(v) for k, v in prev.components.items()},
        {k: replace(v, seen=list(v.seen)) for k, v in prev.incidents.items()},
        prev.baselined,
        prev.news_since,
    )


def remember(incident: Incident, old: IncidentState | None) -> Incident:
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


def incident_state(
    incident: Incident, old: IncidentState | None, now: datetime, stamp: datetime | None = None
) -> IncidentState:
    """`stamp`: the view's (monitor.ordering); the state keeps the newest known."""
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
        as_of=newest(stamp, old.as_of if old else None),
    )


def prune(state: PageState, cutoff: datetime) -> None:
    for incident_id, inc in list(state.incidents.items()):
        if inc.closed_at and datetime.fromisoformat(inc.closed_at) < cutoff:
            del state.incidents[incident_id]
