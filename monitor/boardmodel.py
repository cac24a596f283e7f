"""The board's read model: what a page, a component, an open incident and the whole board
look like to the board, the read API, the feeds and the badges (built by monitor.board)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from monitor import status


@dataclass(frozen=True)
class ComponentView:
    id: str
    name: str
    status: str
    group: str | None


@dataclass(frozen=True)
class UpdateView:
    status: str
    body: str
    at: datetime


@dataclass(frozen=True)
class IncidentView:
    id: str
    name: str
    phase: str  # the latest update's status (investigating, identified, …)
    status: str  # its worst affected component's status, in the one vocabulary
    maintenance: bool
    url: str | None
    started_at: datetime | None
    components: tuple[str, ...]  # names of the affected components
    component_ids: tuple[str, ...]
    updates: tuple[UpdateView, ...]  # newest first


@dataclass(frozen=True)
class PageView:
    id: str
    name: str
    url: str
    status: str
    components: tuple[ComponentView, ...]
    incidents: tuple[IncidentView, ...]
    polled_at: float | None
    failing_since: float | None
    interval: int
    unreachable: bool  # failing for longer than FAILING_INTERVALS intervals
    first_seen: float | None = None  # statusmon's first record of it: no history before

    @property
    def trouble(self) -> bool:
        return self.status != status.OPERATIONAL or bool(self.incidents)


@dataclass(frozen=True)
class Board:
    pages: tuple[PageView, ...]  # in trouble first (worst first), then by name
    problems: tuple[str, ...]  # statusmon's own health, in words; empty: healthy
    at: float

    @cached_property
    def trouble(self) -> tuple[PageView, ...]:
        return tuple(p for p in self.pages if p.trouble)
