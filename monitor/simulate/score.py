"""Score a run: what the simulator published against what the notifier printed (JSON lines).

Keys are the notifier's dedup fields: (page, incident id, update id) for incident and
maintenance updates; (page, component id, raw status) for component changes, counted as a
multiset because a component may go to the same status twice.

A poller sees states, not transitions: with `visible` set (the poll interval), a component
status that lasted less than that, and every update of an incident that opened and closed
within it, is "short-lived": counted apart (`short`, `short_missed`), not in `missed`.
Duplicates count everywhere. `unexpected` are printed lines nothing published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from monitor.simulate.model import CLOSED, Publication

Key = tuple[str, ...]


def publication_key(p: Publication) -> Key:
    if p.kind == "component":
        return ("component", p.page_id, p.ref, p.status)
    return ("update", p.page_id, p.ref, p.update_id or "")


def event_key(event: Mapping[str, Any]) -> Key:
    if event.get("kind") == "component":
        ids = event.get("component_ids") or [""]
        return ("component", str(event["page_id"]), str(ids[0]), str(event.get("status_raw")))
    incident, update = str(event.get("incident_id")), str(event.get("update_id"))
    return ("update", str(event["page_id"]), incident, update)


@dataclass
class Score:
    expected: int = 0
    printed: int = 0
    missed: int = 0
    duplicates: int = 0
    unexpected: int = 0
    short: int = 0  # short-lived publications (see module doc)
    short_missed: int = 0
    # (page id, published at, first printed at) of each publication that was printed
    pairs: list[tuple[str, float, float]] = field(default_factory=list)
    missed_keys: list[Key] = field(default_factory=list)
    missed_by_kind: dict[str, int] = field(default_factory=dict)  # "update" / "component"
    duplicate_keys: list[Key] = field(default_factory=list)


def short_lived(published: list[Publication], visible: float) -> set[int]:
    """Indexes of publications visible for less than `visible` seconds."""
    short: set[int] = set()
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(published):
        groups[(p.page_id, p.ref)].append(i)
    for members in groups.values():
        rows = sorted(members, key=lambda i: published[i].published_at)
        first = published[rows[0]]
        if first.kind == "component":
            for here, after in pairwise(rows):
                if published[after].published_at - published[here].published_at < visible:
                    short.update((here, after))  # a status nobody may have seen, both ways
        else:
            closed = [published[i].published_at for i in rows if published[i].status in CLOSED]
            if closed and closed[0] - first.published_at < visible:
                short.update(rows)
    return short


def score(
    published: Iterable[Publication],
    printed: Iterable[tuple[float, Mapping[str, Any]]],
    visible: float | None = None,
) -> Score:
    """`printed`: (arrival time, the notifier's JSON object) per printed line."""
    pubs = [p for p in published if p.expected]
    short = short_lived(pubs, visible) if visible else set()
    wanted: dict[Key, list[tuple[float, bool]]] = defaultdict(list)
    for i, p in enumerate(pubs):
        wanted[publication_key(p)].append((p.published_at, i in short))
    seen: dict[Key, list[float]] = defaultdict(list)
    for at, event in printed:
        seen[event_key(event)].append(at)
    result = Score(printed=sum(map(len, seen.values())), short=len(short))
    result.expected = len(pubs) - len(short)
    for key, times in wanted.items():
        got = sorted(seen.get(key, []))
        times.sort()
        if len(got) > len(times):
            result.duplicates += len(got) - len(times)
            result.duplicate_keys.append(key)
        for (published_at, _), printed_at in zip(times, got, strict=False):
            result.pairs.append((key[1], published_at, printed_at))
        for _, is_short in times[len(got) :]:
            result.short_missed += is_short
            result.missed += not is_short
            if not is_short:
                result.missed_by_kind[key[0]] = result.missed_by_kind.get(key[0], 0) + 1
        if any(not s for _, s in times[len(got) :]):
            result.missed_keys.append(key)
    result.unexpected = sum(len(v) for k, v in seen.items() if k not in wanted)
    return result


def lags(result: Score) -> list[float]:
    """Seconds from publication to printed line, one per printed publication."""
    return [printed - published for _, published, printed in result.pairs]
