"""What a row of `make chaos` may expect: the changes some poll could have seen.

A poller sees states, not transitions, and no poll runs while Redis is frozen, down, or past
its memory threshold (the tick holds polls back), or while the whole monitor is stopped: the
row's blackouts, as the injector timed them. A state is observable when it was on the page for
at least one poll interval of the time outside blackouts (a poller polls each page once per
interval while it can run, and at once when it can run again); the same rule, with no
blackouts, is the simulator scorer's short-lived rule (monitor/simulate/score.py).

- A component status is expected when it was observable and differs from the last observable
  status before it: a status that began and ended in a blackout is never seen, and neither is
  the return to the status the poller saw last (it sees no change).
- An incident's (or maintenance's) updates are expected unless it opened and closed within one
  interval: a closed incident stays in the page's history, so a poller that could not run
  while it was open still sees every update once it runs again. A page with no public history
  (incident.io: `historyless`) shows an incident only while it is open, so there it is
  expected when it was open for one interval outside blackouts.
- A page that sends webhooks is not subject to blackouts: a webhook refused while Redis is away
  is sent again by its sender, so every change of such a page is expected.

Everything else is `unobservable`: counted apart, never as missed; printed anyway, it is fine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.simulate.model import CLOSED, OPERATIONAL, Publication
from monitor.simulate.score import Score, score

Window = tuple[float, float]  # (from, to): no poll could run


@dataclass
class Observed:
    score: Score
    unobservable: list[Publication]
    seen_anyway: int = 0  # of the unobservable, printed all the same


def up_time(start: float, end: float, blackouts: Iterable[Window]) -> float:
    """Seconds of [start, end) outside every blackout (blackouts may overlap)."""
    total, at = 0.0, start
    for b_from, b_to in sorted(blackouts):
        if b_to <= at or b_from >= end:
            continue
        total += max(0.0, b_from - at)
        at = max(at, b_to)
        if at >= end:
            return total
    return total + max(0.0, end - at)


def unobservable(
    published: Iterable[Publication],
    interval: float,
    blackouts: Collection[Window],
    hooked: Collection[str] = (),
    historyless: Collection[str] = (),
) -> set[int]:
    """Indexes (into `published`) of the changes no poll could have seen."""
    pubs = list(published)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(pubs):
        if p.expected:
            groups[(p.page_id, p.ref)].append(i)
    hidden: set[int] = set()
    for (page_id, _), rows in groups.items():
        rows.sort(key=lambda i: pubs[i].published_at)
        dark = () if page_id in hooked else blackouts

        def seen(start: float, end: float, dark: Collection[Window] = dark) -> bool:
            return up_time(start, end, dark) >= interval

        if pubs[rows[0]].kind == "component":
            hidden |= _components([pubs[i] for i in rows], rows, seen)
        else:
            opened = pubs[rows[0]].published_at
            closed = [pubs[i].published_at for i in rows if pubs[i].status in CLOSED]
            if page_id not in historyless:
                dark = ()  # closed ones stay in the page's history
            if closed and not seen(opened, closed[0], dark):
                hidden.update(rows)
    return hidden


def _components(
    pubs: list[Publication], rows: list[int], seen: Callable[[float, float], bool]
) -> set[int]:
    hidden: set[int] = set()
    last = pubs[0].previous or OPERATIONAL  # what the poller saw before the first change
    ends = [p.published_at for p in pubs[1:]] + [float("inf")]
    for p, row, end in zip(pubs, rows, ends, strict=True):
        if seen(p.published_at, end) and p.status != last:
            last = p.status
        else:
            hidden.add(row)
    return hidden


def score_observable(
    published: Iterable[Publication],
    printed: Iterable[tuple[float, Mapping[str, Any]]],
    interval: float,
    blackouts: Collection[Window] = (),
    hooked: Collection[str] = (),
    historyless: Collection[str] = (),
) -> Observed:
    """The simulator's scorer on the observable changes only; the rest listed apart."""
    pubs = [p for p in published if p.expected]
    hidden = unobservable(pubs, interval, blackouts, hooked, historyless)
    wanted = [p for i, p in enumerate(pubs) if i not in hidden]
    lines = list(printed)
    rest = [pubs[i] for i in sorted(hidden)]
    return Observed(score(wanted, lines), rest, len(score(rest, lines).pairs))
