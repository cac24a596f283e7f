"""A component's 90-day history bar from the event log: one cell per day (in MONITOR_TZ), the
worst status it had that day and the minutes it was not operational.

The component's status is piecewise constant between its printed transitions: before the
first one it was that event's previous status (operational when the log does not say), after
the last one it is the status the page state holds now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor import status
from monitor.eventlog import Entry

DAYS = 90


@dataclass(frozen=True)
class Day:
    day: date
    status: str  # the worst that day
    minutes: int  # minutes not operational (maintenance counts: the service was affected)

    @property
    def label(self) -> str:
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
    entries: list[Entry], current: str, now: datetime, tz: ZoneInfo, count: int = DAYS
) -> list[Day]:
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
