"""The poll schedule: a Redis sorted set of page id -> next due time, fed by one beat tick.

Each page's phase is a stable hash of its id, so 10,000 pages do not fire in the same second,
and a new page is polled within seconds of being added.
`claim_due` atomically takes the pages that are due and moves each to its next slot on its own
phase grid: a page is handed out at most once per interval, however many ticks overlap.
Pages enter and leave the schedule with the page registry (monitor.registry.sync_pages).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import redis

from monitor import keys

MIN_SPREAD = 5
STARTUP_RATE = 200  # pages per second
CLAIM_AHEAD = 0.5  # seconds: half the 1 s tick, so a page waits ±0.5 s for its tick, not 0–1 s

_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local now = tonumber(ARGV[1])
local out = {}
local taken = {}
for _, id in ipairs(due) do
  local score = tonumber(redis.call('ZSCORE', KEYS[1], id))
  local interval = tonumber(redis.call('HGET', KEYS[2], id) or '60')
  local steps = math.floor((now - score) / interval) + 1
  redis.call('ZADD', KEYS[1], score + steps * interval, id)
  redis.call('ZREM', KEYS[3], id)
  taken[id] = true
  table.insert(out, id)
  table.insert(out, interval)
end
local retries = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[3], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(retries) do
  redis.call('ZREM', KEYS[3], id)
  local interval = redis.call('HGET', KEYS[2], id)
  if interval and not taken[id] then
    table.insert(out, id)
    table.insert(out, tonumber(interval))
  end
end
return out
"""


def phase(page_id: str, window: float) -> float:
    """A stable offset in [0, window) from the page id (the same in every process)."""
    return int(hashlib.sha256(page_id.encode()).hexdigest()[:8], 16) / 2**32 * window


def spread_window(page_count: int, interval: int) -> float:
    """First polls are spread over enough seconds for ~STARTUP_RATE pages a second, at least
    MIN_SPREAD, at most the interval: 5 pages start within 5 s, 10,000 over a minute."""
    return float(min(interval, max(MIN_SPREAD, page_count / STARTUP_RATE)))


def first_due(page_id: str, interval: int, now: float, page_count: int = 1) -> float:
    """A new page's first poll: soon, at its own phase; later polls keep that phase."""
    return now + phase(page_id, spread_window(page_count, interval))


def claim_due(
    r: redis.Redis, now: float, limit: int = 10_000, ahead: float = 0.0
) -> list[tuple[str, int]]:
    """The pages due now (on their grid up to `ahead` seconds early, or for an early retry),
    each with its interval (a poll's time to live), in one round trip. A grid poll cancels a
    pending retry; a retry is never early (its host's back-off may not have ended)."""
    horizon = now + ahead
    flat = r.eval(_CLAIM, 3, keys.SCHEDULE, keys.INTERVALS, keys.RETRIES, horizon, limit, now)
    return [(str(flat[i]), int(flat[i + 1])) for i in range(0, len(flat), 2)]


def batches(due: list[tuple[str, int]], size: int) -> list[tuple[int, list[str]]]:
    """Due pages in groups of at most `size` that share an interval (their tasks' expiry)."""
    by_interval: dict[int, list[str]] = defaultdict(list)
    for page_id, interval in due:
        by_interval[interval].append(page_id)
    step = max(1, size)
    return [
        (interval, ids[i : i + step])
        for interval, ids in by_interval.items()
        for i in range(0, len(ids), step)
    ]


def retry(r: redis.Redis, page_id: str, at: float) -> bool:
    """Poll the page again at `at`, off its grid, when that is before its next grid poll: a
    failed poll (or one skipped for its host's back-off) is retried once the back-off ends,
    not a whole interval later, so a change it hid is seen while it lasts. The grid (phase)
    is untouched. Several calls keep the earliest time."""
    due = r.zscore(keys.SCHEDULE, page_id)
    if due is None or at >= due:
        return False
    r.zadd(keys.RETRIES, {page_id: at}, lt=True)
    return True
