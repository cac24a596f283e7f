"""The event log: every printed event, once, in a Redis Stream (`keys.EVENTS`), kept by age.

The notifier marks an event printed with `Recorder.mark`, one Lua script that (only if the
event is not marked printed yet) appends the entry, marks the event printed and files one
pending delivery per channel that wants it (monitor.delivery's outbox), all at once: an event is
in the log once and only if it was printed, and every channel's delivery is on the schedule
once the line is out. A redelivered task that prints again (the crash window between write and
mark, monitor.notify) finds the event marked and appends nothing.

Entries: `event` (the `--format json` object), `page` (the page id), `printed_at` (ISO-8601,
UTC). Entries older than the retention are trimmed by each append (XADD MINID ~).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import redis

from monitor import keys
from monitor.events import StatusEvent
from monitor.output import render_json

# KEYS: event key, stream, due set; ARGV: printed, ttl, minid, event, page, printed_at, due,
# delivery ttl, dedup key, delivery key prefix, severity, channel names…
_MARK = """
redis.replicate_commands()
if redis.call('GET', KEYS[1]) == ARGV[1] then return false end
local id = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[3], '*',
  'event', ARGV[4], 'page', ARGV[5], 'printed_at', ARGV[6])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = 12, #ARGV do
  local key = ARGV[10] .. ARGV[i] .. ':' .. ARGV[9]
  if redis.call('HSETNX', key, 'state', 'pending') == 1 then
    redis.call('HSET', key, 'entry', id, 'printed_at', ARGV[6], 'attempts', 0,
      'severity', ARGV[11])
    redis.call('EXPIRE', key, ARGV[8])
    redis.call('ZADD', KEYS[3], 'NX', ARGV[7], ARGV[i] .. '|' .. ARGV[9])
  end
end
return id
"""


@dataclass(frozen=True)
class Entry:
    id: str
    event: StatusEvent
    printed_at: datetime


class Recorder:
    """Marks an event printed: append to the log, set PRINTED, file its deliveries, atomically.

    `route(event)` names the channels that want the event and its severity now (monitor.routing):
    a delivery keeps it, so its attempts need not read the page state again."""

    def __init__(
        self,
        tz: ZoneInfo,
        retention_days: int,
        route: Callable[[StatusEvent], tuple[list[str], str]] = lambda event: ([], "unknown"),
        grace: float = 60.0,
    ) -> None:
        self.tz, self.retention, self.route = tz, retention_days * 86400, route
        self.grace = grace  # a filed delivery is due then: the tick's net under the fast path
        self.channels: list[str] = []  # those the last mark filed, for the fast path

    def mark(self, r: redis.Redis, event: StatusEvent, dedup_ttl: int) -> str | None:
        """The new entry's id; None if the event was marked printed already."""
        now = time.time()
        self.channels, severity = self.route(event)
        entry = r.eval(
            _MARK,
            3,
            keys.event(event.dedup_key),
            keys.EVENTS,
            keys.DELIVERIES_DUE,
            "printed",
            dedup_ttl,
            f"{int((now - self.retention) * 1000)}-0",
            render_json(event, self.tz),
            event.page_id,
            datetime.fromtimestamp(now, UTC).isoformat(),
            now + self.grace,
            dedup_ttl,  # a delivery is remembered as long as the printed event
            event.dedup_key,
            keys.DELIVERY_PREFIX,
            severity,
            *self.channels,
        )
        return None if entry is None else str(entry)


def parse_entry(entry_id: str, fields: dict[str, str]) -> Entry:
    data: dict[str, Any] = json.loads(fields["event"])
    data.pop("status_text", None)
    return Entry(
        entry_id, StatusEvent.from_dict(data), datetime.fromisoformat(fields["printed_at"])
    )


Raw = list[tuple[str, dict[str, str]]]  # stream entries (the client decodes responses)


def _range(r: redis.Redis, start: str, end: str, count: int) -> Raw:
    return cast(Raw, r.xrange(keys.EVENTS, start, end, count=count))


def get(r: redis.Redis, entry_id: str) -> Entry | None:
    found = _range(r, entry_id, entry_id, 1)
    return parse_entry(*found[0]) if found else None


def read(
    r: redis.Redis,
    since: datetime | None = None,
    page: str | None = None,
    limit: int | None = None,
) -> list[Entry]:
    """Entries printed since `since` (all kept if None), oldest first; with `limit`, the
    newest `limit` of them (read from the end: a long log is not scanned for them)."""
    start = "-" if since is None else f"{int(since.timestamp() * 1000)}-0"
    rows = _scan(r, start) if not limit else _scan_back(r, start)
    found: list[Entry] = []
    for entry_id, fields in rows:
        if page is None or fields.get("page") == page:
            found.append(parse_entry(entry_id, fields))
            if limit and len(found) == limit:
                break
    return found[::-1] if limit else found


def _scan(r: redis.Redis, start: str, batch: int = 1000) -> Iterator[tuple[str, dict[str, str]]]:
    while True:
        chunk = _range(r, start, "+", batch)
        yield from chunk
        if len(chunk) < batch:
            return
        start = "(" + chunk[-1][0]


def _scan_back(
    r: redis.Redis, start: str, batch: int = 1000
) -> Iterator[tuple[str, dict[str, str]]]:
    end = "+"
    while True:
        chunk = cast(Raw, r.xrevrange(keys.EVENTS, end, start, count=batch))
        yield from chunk
        if len(chunk) < batch:
            return
        end = "(" + chunk[-1][0]


def follow(
    r: redis.Redis, after: str = "$", page: str | None = None, block_ms: int = 5000
) -> Iterator[Entry]:
    """Entries appended after `after` ("$": from now), as they come (XREAD BLOCK), forever."""
    last = after
    if last == "$":
        newest = cast(Raw, r.xrevrange(keys.EVENTS, count=1))
        last = newest[0][0] if newest else "0-0"
    while True:
        found = cast(list[tuple[str, Raw]], r.xread({keys.EVENTS: last}, block=block_ms))
        for _, entries in found or []:
            for entry_id, fields in entries:
                last = entry_id
                if page is None or fields.get("page") == page:
                    yield parse_entry(entry_id, fields)
