"""What the board and the read API show: every watched page, its normalized status, components,
open incidents with their timelines (from the event log: the page state keeps only ids), when
it was last polled and whether it is reachable; and whether statusmon itself is healthy.

Read-only over Redis (the registry, each page's state, the poll marks of monitor.counters, the
heartbeats) and a `LogIndex`. A page's status is its worst component's; an open incident
with no component worse than operational makes it degraded (in-progress maintenance:
maintenance); a page never polled, or failing for longer than `FAILING_INTERVALS` poll
intervals, is unknown — never a stale "operational".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import redis

from monitor import keys, status
from monitor.boardmodel import Board, ComponentView, IncidentView, PageView, UpdateView
from monitor.logindex import LogIndex, PageLog
from monitor.state import PageState
from monitor.store import last_seen

FAILING_INTERVALS = 3
LIVE_PHASES = ("in_progress", "verifying")  # a maintenance that is under way
CHUNK = 500


def load_board(
    r: redis.Redis, index: LogIndex, now: float, stale_after: float, memo: Memo | None = None
) -> Board:
    pages = load_pages(r, index, now, memo=memo)
    pages.sort(key=lambda p: (not p.trouble, -status.rank(p.status), p.name.lower(), p.id))
    return Board(tuple(pages), tuple(health_problems(r, pages, now, stale_after)), now)


# Each page's (data it was made from, view). A page unchanged since the last build keeps its
# pair as it is: a new pair per page and build (10,000 a second, each holding a view, so
# tracked by the garbage collector and promoted to its oldest generation) had the collector
# walk every object of the web worker every few builds, ~80 ms holding the GIL (board `GET /`
# p99 ~100 ms while the builds ran, 5 ms without).
Memo = dict[str, tuple[tuple[object, ...], PageView]]


def load_pages(
    r: redis.Redis,
    index: LogIndex,
    now: float,
    only: list[str] | None = None,
    memo: Memo | None = None,
) -> list[PageView]:
    """Every registered page (or those of `only` that are), in registry order. With a `memo`
    (kept by the caller between calls), a page whose stored data and log did not change since
    the last call is not parsed again (10,000 pages: tens of milliseconds, not hundreds)."""
    if only is None:
        configs = cast(dict[str, str], r.hgetall(keys.PAGES))
    else:
        found = cast(list[str | None], r.hmget(keys.PAGES, only)) if only else []
        configs = {pid: raw for pid, raw in zip(only, found, strict=True) if raw is not None}
    ids = list(configs)
    views: list[PageView] = []
    kept: Memo = {}
    for start in range(0, len(ids), CHUNK if only else len(ids) or 1):
        part = ids[start : start + (CHUNK if only else len(ids))]
        states, intervals, polled, failing, first = _read(r, part, whole=only is None)
        for i, pid in enumerate(part):
            log = index.page(pid)
            size = len(log.entries)
            key = (configs[pid], states[i], intervals[i], polled[i], failing[i], first[i], size)
            hit = memo.get(pid) if memo is not None else None
            if hit is not None and hit[0] == key and failing[i] is None:  # else: ages matter
                kept[pid] = hit  # the same pair, not a new one: see Memo
                views.append(hit[1])
                continue
            config: dict[str, Any] = json.loads(configs[pid])
            raw = states[i]
            state = PageState.from_json(raw) if raw else None
            marks = (_num(polled[i]), _num(failing[i]), _num(first[i]))
            timing = (int(intervals[i] or 60), *marks)
            view = page_view(config, state, log, timing, now)
            kept[pid] = (key, view)
            views.append(view)
    if memo is not None and only is None:
        memo.clear()
        memo.update(kept)
    return views


def _read(r: redis.Redis, ids: list[str], whole: bool) -> list[list[str | None]]:
    """Each page's state, interval, last poll, failing-since and first-seen, in `ids` order.
    For the whole registry the hashes are read whole and the keys sent as bytes: 10,000 ids
    encoded one by one five times over cost more than the reads."""
    with r.pipeline(transaction=False) as p:
        p.mget([keys.state(pid).encode() for pid in ids])
        for key in (keys.INTERVALS, keys.POLLED_AT, keys.FAILING_SINCE, keys.FIRST_SEEN):
            p.hgetall(key) if whole else p.hmget(key, ids)
        states, *columns = p.execute()
    if whole:
        columns = [[column.get(pid) for pid in ids] for column in columns]
    return [states, *columns]


def page_view(
    config: dict[str, Any],
    state: PageState | None,
    log: PageLog,
    timing: tuple[int, float | None, float | None, float | None],
    now: float,
) -> PageView:
    """`timing`: interval, last poll, failing since, first seen (monitor.keys.FIRST_SEEN)."""
    interval, polled_at, failing_since, first_seen = timing
    if log.entries:  # the log may know of earlier data (a page watched before the mark was)
        logged = log.entries[0].printed_at.timestamp()
        first_seen = logged if first_seen is None else min(first_seen, logged)
    unreachable = failing_since is not None and now - failing_since > FAILING_INTERVALS * interval
    components = tuple(
        ComponentView(cid, c.name, c.status, c.group_name)
        for cid, c in (state.components.items() if state else ())
    )
    incidents = _incidents(state, log) if state else ()
    return PageView(
        id=str(config["id"]),
        name=str(config["name"]),
        url=public_url(str(config["url"])),
        status=_status(state, components, incidents, unreachable),
        components=components,
        incidents=incidents,
        polled_at=polled_at,
        failing_since=failing_since,
        interval=interval,
        unreachable=unreachable,
        first_seen=first_seen,
    )


def _status(
    state: PageState | None,
    components: tuple[ComponentView, ...],
    incidents: tuple[IncidentView, ...],
    unreachable: bool,
) -> str:
    if state is None or unreachable:
        return status.UNKNOWN
    worst = status.worst([c.status for c in components])
    if worst == status.OPERATIONAL and any(not i.maintenance for i in incidents):
        return status.DEGRADED
    if worst == status.OPERATIONAL and any(i.phase in LIVE_PHASES for i in incidents):
        return status.MAINTENANCE
    return worst


def _incidents(state: PageState, log: PageLog) -> tuple[IncidentView, ...]:
    views = []
    for iid in state.open_incident_ids():
        inc = state.incidents[iid]
        entries = log.incident(iid)
        names = tuple(state.components[c].name for c in inc.component_ids if c in state.components)
        statuses = [state.components[c].status for c in inc.component_ids if c in state.components]
        worst = status.worst(statuses)
        if inc.maintenance:
            worst = status.MAINTENANCE if worst == status.OPERATIONAL else worst
        elif worst == status.OPERATIONAL:
            worst = status.DEGRADED
        updates = tuple(
            UpdateView(e.event.status, e.event.body, e.event.occurred_at) for e in entries[::-1]
        )
        views.append(
            IncidentView(
                id=iid,
                name=inc.name,
                phase=updates[0].status if updates else inc.status,
                status=worst,
                maintenance=inc.maintenance,
                url=web_url(next((e.event.url for e in entries[::-1] if e.event.url), None)),
                started_at=updates[-1].at if updates else None,
                components=names,
                component_ids=tuple(inc.component_ids),
                updates=updates,
            )
        )
    views.sort(key=lambda i: (i.maintenance, -status.rank(i.status)))
    return tuple(views)


def health_problems(
    r: redis.Redis, pages: list[PageView], now: float, stale_after: float
) -> list[str]:
    problems = []
    for role, what, why in (
        (keys.BEAT_ROLE, "the scheduler (beat)", "pages are not being polled"),
        (keys.POLL_ROLE, "the poll worker", "pages are not being polled"),
        (keys.NOTIFIER_ROLE, "the notifier", "changes are not being reported"),
    ):
        seen = last_seen(r, role)
        if seen is None or now - seen > stale_after:
            problems.append(f"statusmon is not healthy: {what} is silent, {why}.")
    failing = [p.name for p in pages if p.unreachable]
    if failing:
        more = f" and {len(failing) - 5} more" if len(failing) > 5 else ""
        shown = ", ".join(failing[:5]) + more
        problems.append(
            f"{len(failing)} page{'s' if len(failing) > 1 else ''} not reachable for longer "
            f"than {FAILING_INTERVALS} poll intervals: {shown}."
        )
    return problems


def web_url(url: str | None) -> str | None:
    """A vendor's link if it is http(s): a status page's data never puts a `javascript:` URL
    on the board."""
    return url if url and urlsplit(url).scheme.lower() in ("http", "https") else None


def public_url(url: str) -> str:
    """A page's URL as shown to anyone: without credentials it may carry."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _num(raw: str | None) -> float | None:
    return float(raw) if raw else None


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
