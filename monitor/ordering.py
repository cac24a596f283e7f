"""Which view of a component or an incident is the newer: a view older than the page's state
changes nothing (monitor.detect), so the state never moves backwards.

Views arrive out of order: a sender retries a webhook, two workers ingest two of them at
once, a poll reads a summary a CDN cached before the last webhook. Each view carries a stamp,
`as_of`: a time since which the provider says the object has not changed — Statuspage's (and
Instatus webhooks') `updated_at` of a component or an incident, a component webhook's
`component_update.created_at` when the component has none, Better Stack's page `updated_at`.
An incident's stamp is also never older than its latest update (a view missing an update we
applied is older). Times an adapter derives (an incident's start as a component's change)
are not stamps: those platforms give none.

The rule:
- Stale: the view's stamp and the stored one are both known, and the view's is strictly older.
  The stored component or incident stays as it is (status, closing, name); an incident update
  the stale view shows and we never printed is still printed (a real update is never lost).
- Otherwise the view is applied, the last to arrive winning, as without stamps: equal stamps,
  a view without one, a state saved before stamps were kept.
- A stamp that cannot be read counts as none (the adapters read it with `jsonshape.stamp`); a
  stamp more than SKEW ahead of our clock counts as none too (it would freeze the object).
- The state keeps the newest stamp it applied; a view without one leaves it.

Refusing a strictly older view loses nothing: if the object changed after the view's stamp,
the state already holds that later change; if not, the view shows the state we hold.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from monitor.model import Component, Incident

log = logging.getLogger("statusmon.ordering")
SKEW = timedelta(minutes=5)  # a provider clock this far ahead of ours is not trusted


def component_stamp(comp: Component, now: datetime) -> datetime | None:
    return _trusted(comp.as_of, now)


def incident_stamp(incident: Incident, now: datetime) -> datetime | None:
    known = [_trusted(incident.as_of, now), *(_trusted(u.at, now) for u in incident.updates)]
    return max((s for s in known if s is not None), default=None)


def stale(view: datetime | None, stored: str | None) -> bool:
    return view is not None and stored is not None and view < _utc(datetime.fromisoformat(stored))


def newest(view: datetime | None, stored: str | None) -> str | None:
    """The stamp the state keeps: the newer of the two known."""
    if view is None or (stored is not None and not view > _utc(datetime.fromisoformat(stored))):
        return stored
    return view.isoformat()


def refused(page_id: str, what: str, view: datetime | None, stored: str | None) -> None:
    """One info line per stale view: expected (retries, CDN caches), not a fault."""
    assert view is not None
    log.info(
        "page %s: %s: a view as of %s is older than the state (as of %s): state kept",
        page_id,
        what,
        view.isoformat(),
        stored,
        extra={"page_id": page_id},
    )


def _trusted(stamp: datetime | None, now: datetime) -> datetime | None:
    if stamp is None:
        return None
    stamp = _utc(stamp)
    return None if stamp > _utc(now) + SKEW else stamp


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
