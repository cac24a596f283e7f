"""The event log (monitor.eventlog) indexed by page, for the board and the read API.

A reader keeps one `LogIndex` and calls `refresh(r)` before each use: only the entries appended
since its last look are read (XRANGE from the last id, exclusive), so a board served every
second costs one short Redis round trip when nothing changed. Entries the log trims by age
stay here until `refresh` drops those older than the retention too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

import redis

from monitor import keys
from monitor.eventlog import Entry, Raw, parse_entry

BATCH = 1000


@dataclass
class PageLog:
    """One page's entries, oldest first."""

    entries: list[Entry] = field(default_factory=list)

    def incident(self, incident_id: str) -> list[Entry]:
        return [e for e in self.entries if e.event.incident_id == incident_id]

    def component(self, component_id: str) -> list[Entry]:
        return [
            e
            for e in self.entries
            if e.event.kind == "component" and component_id in e.event.component_ids
        ]


NO_ENTRIES = PageLog()


class LogIndex:
    def __init__(self, retention_days: int = 90) -> None:
        self.retention = timedelta(days=retention_days)
        self.last = "0-0"
        self.pages: dict[str, PageLog] = {}
        self.recent: list[Entry] = []  # every page's, oldest first
        self._lock = threading.Lock()  # gevent's under the gevent worker

    def refresh(self, r: redis.Redis) -> LogIndex:
        with self._lock:
            fresh = list(self._after(r, self.last))
            for entry in fresh:
                self.pages.setdefault(entry.event.page_id, PageLog()).entries.append(entry)
                self.recent.append(entry)
                self.last = entry.id
            if fresh:
                self._trim(datetime.now(UTC) - self.retention)
        return self

    def page(self, page_id: str) -> PageLog:
        """The page's log; one shared empty one for a page with none (read it, never append:
        10,000 pages built every second would otherwise make 10,000 empty logs each time)."""
        return self.pages.get(page_id) or NO_ENTRIES

    def _after(self, r: redis.Redis, last: str) -> Iterator[Entry]:
        while True:
            chunk = cast(Raw, r.xrange(keys.EVENTS, "(" + last, "+", count=BATCH))
            for entry_id, fields in chunk:
                yield parse_entry(entry_id, fields)
            if len(chunk) < BATCH:
                return
            last = chunk[-1][0]

    def _trim(self, cutoff: datetime) -> None:
        if self.recent and self.recent[0].printed_at >= cutoff:
            return
        self.recent = [e for e in self.recent if e.printed_at >= cutoff]
        for log in self.pages.values():
            log.entries = [e for e in log.entries if e.printed_at >= cutoff]
