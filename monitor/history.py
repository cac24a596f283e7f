"""A component's 90-day history bar from the event log: one cell per day (in MONITOR_TZ), the
worst status it had that day and the minutes it was not operational.

The component's status is piecewise constant between its printed transitions: before the
first one it was that event's previous status (operational when the log does not say), after
the last one it is the status the page state holds now. Days before statusmon's first record
of the page (`since`) are `NO_DATA`: not operational, not anything: nobody was looking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor import status
from monitor.eventlog import Entry

DAYS = 90
NO_DATA = "no_data"  # a day before statusmon's first record: not a status of the vocabulary


@dataclass(frozen=True)
class Day:
    day: date
    status: str  # the worst that day
    minutes: int  # minutes not operational (maintenance counts: the service was affected)

    @property
    def label(self) -> str:
        if self.status == NO_DATA:
            return f"{self.day.isoformat()}: no data (before statusmon's first record)"
        if self.status == status.OPERATIONAL:
            return f"{self.day.isoformat()}: operational"
        words = status.WORDS.get(self.status, self.status)
        return f"{self.day.isoformat()}: {words}, {self.minutes} min affected"


Segment = tuple[datetime, datetime, str]


def segments(entries: list[Entry], current: str, start: datetime, now: datetime) -> list[Segment]:
    """[start, now) cut at each transition; `entries` are the component's events."""
    changes = sorted((e.event.occurred_at, e.event.status) for e in entries)
    earliest = min(entries, key=lambda e: e.event.occurred_at) if entries else None
    state = (earliest.event.previous_status if earliest else current) or status.OPERATIONAL
    found: list[Segment] = []
    at = start
    for when, new in changes:
        end = min(when, now)
        if end > at:
            found.append((at, end, state))
            at = end
        state = new
    if at < now:
        found.append((at, now, current))
    return found


def days(
    entries: list[Entry],
    current: str,
    now: datetime,
    tz: ZoneInfo,
    count: int = DAYS,
    since: datetime | None = None,
) -> list[Day]:
    """One `Day` a day, oldest first; those before `since`'s day (statusmon's first record
    of the page; None: not known) are NO_DATA."""
    found = _days(entries, current, now, tz, count)
    if since is None:
        return found
    first = since.astimezone(tz).date()
    return [Day(d.day, NO_DATA, 0) if d.day < first else d for d in found]


def affected(bar: list[Day]) -> int:
    """Days of the bar that were not operational (days without data are not)."""
    return sum(1 for d in bar if d.status not in (status.OPERATIONAL, NO_DATA))


def without_data(bar: list[Day]) -> int:
    return sum(1 for d in bar if d.status == NO_DATA)


def _days(entries: list[Entry], current: str, now: datetime, tz: ZoneInfo, count: int) -> list[Day]:
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=count - 1)
    if not entries and current == status.OPERATIONAL:  # most components: nothing to cut
        return [Day(first_day + timedelta(days=n), current, 0) for n in range(count)]
    start = datetime.combine(first_day, time(), tz)
    cut = segments(entries, current, start, now)
    found = []
    for n in range(count):
        day = first_day + timedelta(days=n)
        lo = datetime.combine(day, time(), tz)
        hi = min(datetime.combine(day + timedelta(days=1), time(), tz), now)
        worst, seconds = status.OPERATIONAL, 0.0
        for a, b, st in cut:
            overlap = (min(b, hi) - max(a, lo)).total_seconds()
            if overlap <= 0:
                continue
            worst = status.worst([worst, st])
            if st != status.OPERATIONAL:
                seconds += overlap
        found.append(Day(day, worst, round(seconds / 60)))
    return found
