"""Detection lag split by what a user waits for, and what adaptive polling costs in polls.

- first sign: a publication on a page with no line printed in the `active_window` before it:
  the page was polled at its quiet interval;
- follow-up: an incident or maintenance update, or a component getting worse, published after
  a line of its page was printed: the page is active (monitor.pace);
- recovery: a component back to operational.

Each is set beside the wait a fixed interval gives (the next poll: uniform over the interval).
The polls it cost are the scenario run's summary GETs per second, beside what the pages the
scenario never touched cost per page in the same run, times every page (a fixed interval's
cost, retries after faults aside).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.pages import DEFAULT_ACTIVE_WINDOW
from monitor.simulate.model import Publication

FIRST, FOLLOW_UP, RECOVERY = "first sign", "follow-up", "recovery"
CLASSES = (FIRST, FOLLOW_UP, RECOVERY)


@dataclass
class Lags:
    """Seconds from publication to printed line, by class; and from the GET that saw it."""

    by_class: dict[str, list[float]] = field(default_factory=dict)

    def add(self, cls: str, seconds: float) -> None:
        self.by_class.setdefault(cls, []).append(seconds)

    def all(self) -> list[float]:
        return [s for c in CLASSES for s in self.by_class.get(c, [])]


def classify(
    published: list[Publication],
    printed: list[tuple[str, float, float]],
    window: float = DEFAULT_ACTIVE_WINDOW,
) -> dict[tuple[str, float], str]:
    """(page id, published at) -> class, for every expected publication. `printed`: (page id,
    published at, printed at) of each publication printed (monitor.simulate.score pairs): a
    follow-up is published after a line of its page was printed (in the window before it),
    when statusmon already knew the page was in trouble; an update published before that, if
    only half a second after the first, is part of the first sign."""
    lines: dict[str, list[float]] = {}
    for page_id, _, printed_at in printed:
        lines.setdefault(page_id, []).append(printed_at)
    out: dict[tuple[str, float], str] = {}
    for p in published:
        if not p.expected:
            continue
        since = p.published_at - window
        seen = [t for t in lines.get(p.page_id, []) if since <= t < p.published_at]
        if p.kind == "component" and p.status == "operational":
            cls = RECOVERY
        else:
            cls = FOLLOW_UP if seen else FIRST
        out[(p.page_id, p.published_at)] = cls
    return out


@dataclass
class PollRate:
    """Summary GETs per second in the scenario run, and the fixed-interval cost beside it."""

    measured: float = 0.0
    fixed: float = 0.0  # the untouched pages' rate per page, times every page
    touched_pages: int = 0

    @property
    def ratio(self) -> float:
        return self.measured / self.fixed if self.fixed else float("nan")


def poll_rate(polls: dict[int, int], pages: int, touched: set[int], seconds: float) -> PollRate:
    """`polls`: summary GETs per page number over `seconds`; `touched`: page numbers that had
    a publication or a fault in the scenario."""
    quiet = [n for n in range(pages) if n not in touched]
    per_quiet_page = sum(polls.get(n, 0) for n in quiet) / max(1, len(quiet))
    measured = sum(polls.values()) / seconds
    return PollRate(measured, per_quiet_page * pages / seconds, len(touched))
