"""How often a page is polled now, and why: its `interval` while it is quiet, its
`interval_active` while it is active, since incident updates come in clusters.

A page is active while it has an open incident, a maintenance in progress or a component that
is not operational, and for `active_window` seconds after a change (an event, printed or
filtered). The active interval is never below the page's `Cache-Control: max-age` (a poll
sooner than that reads the same cached copy) nor below MIN_INTERVAL, and never above the
page's own interval.

`decide` reads the state a changed poll just computed; monitor.pollstore writes the pace with
that poll's other writes, and a later poll (a 304 too) falls back to the quiet interval once a
change's window has passed. The schedule (monitor.schedule) polls at whatever interval the
page has now.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from monitor.pages import MIN_INTERVAL, PageConfig
from monitor.state import PageState
from monitor.status import OPERATIONAL

INCIDENT, MAINTENANCE, COMPONENT, CHANGE, QUIET = (
    "incident",
    "maintenance",
    "component",
    "change",
    "quiet",
)
REASONS = (INCIDENT, MAINTENANCE, COMPONENT, CHANGE, QUIET)
IN_PROGRESS = frozenset({"in_progress", "verifying"})  # a maintenance under way
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Pace:
    interval: int  # seconds between polls now
    reason: str  # one of REASONS
    detail: str = ""  # what: the incident's or component's name
    until: float = 0.0  # unix time a change keeps the page active until (0: no change)
    active_interval: int = 0  # the page's active interval (what a change window polls at)
    max_age: int = 0  # the page's Cache-Control max-age, seconds (0: none seen)


def max_age(cache_control: str | None) -> int:
    """The max-age of a Cache-Control header (0 when there is none or it is unreadable)."""
    found = _MAX_AGE.search(cache_control or "")
    return int(found.group(1)) if found else 0


def active_interval(page: PageConfig, seen_max_age: int = 0) -> int:
    """The page's interval while active: interval_active, but not below its max-age or
    MIN_INTERVAL, and never above its quiet interval."""
    floor = max(page.interval_active, MIN_INTERVAL, math.ceil(seen_max_age))
    return min(page.interval, floor)


def why_active(state: PageState) -> tuple[str, str]:
    """The first reason the state gives to poll closely, with its detail; (QUIET, "")."""
    for incident in state.incidents.values():
        if incident.closed_at is None and not incident.maintenance:
            return INCIDENT, incident.name
    for incident in state.incidents.values():
        if incident.closed_at is None and incident.maintenance and incident.status in IN_PROGRESS:
            return MAINTENANCE, incident.name
    for component in state.components.values():
        if component.status != OPERATIONAL:
            return COMPONENT, f"{component.name} {component.status}"
    return QUIET, ""


def decide(
    page: PageConfig, state: PageState, changed: bool, now: float, seen_max_age: int = 0
) -> Pace:
    """The pace after a poll that read the page: `changed` when it produced events. A change
    window already running is kept by monitor.pollstore (it knows the stored one)."""
    active = active_interval(page, seen_max_age)
    until = now + page.active_window if changed and page.active_window else 0.0
    reason, detail = why_active(state)
    if reason == QUIET and until:
        reason, detail = CHANGE, "changed"
    interval = page.interval if reason == QUIET else active
    return Pace(interval, reason, detail, until, active, seen_max_age)
