"""The Redis side of one poll, in as few round trips as it can be: a 304 poll costs two.

- `begin` (one script): the host's back-off check, the page lock, and the validators and last
  body sizes of the page's URLs;
- `save` (one MULTI, a changed poll only): the page state, the new validators, and the page's
  pace (monitor.pace: its interval now and why), moving its next due time when the interval
  changed;
- `finish` (one script): the lock released (if still ours), the poll counted (the hashes of
  monitor.counters.record_poll, with when it ended and since when the page fails), and a change
  window that has passed ended: the page falls back to its quiet interval.

Owns each page's pace hash (keys.pace) and writes keys.INTERVALS and the schedule's score of
the page whose interval changed (the rest of the schedule is monitor.schedule's). The lock is
the one store.page_lock takes (an ingest waits on it): the same key, a token as its value.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import redis

from monitor import keys
from monitor.pace import Pace
from monitor.state import PageState
from monitor.store import Validators, stage_validators

# Move a page's next due time when its interval changes: its grid stays anchored on the due
# time it was last claimed at (its phase), only the spacing changes. Not for a removed page.
_REPACE = """
local function repace(intervals, schedule, id, now, new)
  local old = redis.call('HGET', intervals, id)
  if not old or tonumber(old) == new then return end
  redis.call('HSET', intervals, id, new)
  local due = redis.call('ZSCORE', schedule, id)
  if not due then return end
  local last = tonumber(due) - tonumber(old)
  local steps = math.max(1, math.ceil((now - last) / new))
  redis.call('ZADD', schedule, last + steps * new, id)
end
"""

_BEGIN = """
local till = redis.call('HGET', KEYS[1], 'until')
if till and tonumber(till) > tonumber(ARGV[1]) then return {'backed_off', till} end
if not redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3], 'NX') then
  return {'busy', till or ''}
end
local out = {'ok', till or ''}
local n = tonumber(ARGV[4])
for i = 1, n do
  local v = redis.call('HMGET', KEYS[2 + i], 'etag', 'last_modified', 'body_hash')
  for j = 1, 3 do table.insert(out, v[j] or '') end
end
for i = 1, n do table.insert(out, redis.call('GET', KEYS[2 + n + i]) or '') end
return out
"""

_FINISH = (
    _REPACE
    + """
local ours = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  ours = 1
end
local id = ARGV[2]
if ARGV[3] == 'changed' or ARGV[3] == 'not_modified' then
  redis.call('HSET', KEYS[7], id, ARGV[6])
  redis.call('HDEL', KEYS[8], id)
elseif ARGV[3] == 'error' then
  redis.call('HSET', KEYS[7], id, ARGV[6])
  redis.call('HSETNX', KEYS[8], id, ARGV[6])
end
if ARGV[3] ~= '' then
  redis.call('HINCRBY', KEYS[2], id .. '|' .. ARGV[3], 1)
  if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[3], id .. '|fetched', ARGV[4]) end
  if tonumber(ARGV[5]) > 0 then redis.call('HINCRBY', KEYS[3], id .. '|full', ARGV[5]) end
end
local now = tonumber(ARGV[6])
local pace = redis.call('HMGET', KEYS[4], 'reason', 'until')
if pace[1] == 'change' and tonumber(pace[2] or '0') <= now then
  local quiet = tonumber(ARGV[7])
  redis.call('HSET', KEYS[4], 'reason', 'quiet', 'detail', '', 'since', now, 'interval', quiet)
  repace(KEYS[5], KEYS[6], id, now, quiet)
end
return ours
"""
)

_PACE = (
    _REPACE
    + """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end  -- removed meanwhile
local now = tonumber(ARGV[2])
local interval, reason, detail = tonumber(ARGV[3]), ARGV[4], ARGV[5]
local prev = redis.call('HMGET', KEYS[1], 'reason', 'until', 'detail', 'since')
local till = math.max(tonumber(ARGV[6]), tonumber(prev[2] or '0'))
if reason == 'quiet' and till > now then
  reason, interval = 'change', tonumber(ARGV[7])
  detail = prev[3] or 'changed'
end
local since = now
if prev[1] == reason and prev[4] then since = prev[4] end
redis.call('HSET', KEYS[1], 'interval', interval, 'reason', reason, 'detail', detail,
  'until', till, 'since', since, 'active', ARGV[7], 'max_age', ARGV[8])
repace(KEYS[2], KEYS[3], ARGV[1], now, interval)
return interval
"""
)


@dataclass
class Begun:
    """What `begin` found: outcome ok (the lock is ours), backed_off or busy."""

    outcome: str
    backoff_until: float | None  # the host's back-off end, when it has one
    token: str = ""
    validators: dict[str, Validators] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


class PollStore:
    """The scripts, registered once per client (EVALSHA, loaded on first use)."""

    def __init__(self, r: redis.Redis, lock_ttl: float = keys.LOCK_TTL) -> None:
        self.r = r
        self.lock_ms = int(lock_ttl * 1000)  # keys.lock_ttl: the fetch deadlines it guards
        self._begin = r.register_script(_BEGIN)
        self._finish = r.register_script(_FINISH)

    def begin(self, page_id: str, host: str, urls: list[str], now: float) -> Begun:
        token = secrets.token_hex(16)
        script_keys = [keys.backoff(host), keys.lock(page_id)]
        script_keys += [keys.validators(u) for u in urls] + [keys.body_size(u) for u in urls]
        args: list[str | float] = [now, token, self.lock_ms, len(urls)]
        flat = cast(list[str], self._begin(keys=script_keys, args=args))
        until = float(flat[1]) if flat[1] else None
        if flat[0] != "ok":
            return Begun(flat[0], until)
        n = len(urls)
        rows = [flat[2 + 3 * i : 5 + 3 * i] for i in range(n)]
        validators = {
            u: Validators(*(v or None for v in row)) for u, row in zip(urls, rows, strict=True)
        }
        sizes = {u: int(s or 0) for u, s in zip(urls, flat[2 + 3 * n :], strict=True)}
        return Begun("ok", until, token, validators, sizes)

    def finish(
        self,
        page_id: str,
        token: str,
        outcome: str | None,
        sizes: tuple[int, int],
        quiet_interval: int,
        now: float,
    ) -> bool:
        """Release the lock, count the poll (outcome None: not counted), end a passed change
        window. `sizes`: bytes fetched, bytes a fetch without validators would have cost.
        False: the lock had expired before (the poll outlived keys.lock_ttl)."""
        script_keys = [keys.lock(page_id), keys.METRICS_POLLS, keys.METRICS_BYTES]
        script_keys += [keys.pace(page_id), keys.INTERVALS, keys.SCHEDULE]
        script_keys += [keys.POLLED_AT, keys.FAILING_SINCE]  # the board's page health
        args: list[str | float] = [token, page_id, outcome or "", *sizes, now, quiet_interval]
        return bool(self._finish(keys=script_keys, args=args))

    def save(
        self,
        page_id: str,
        state: PageState,
        validators: Mapping[str, tuple[Validators, int | None]],
        pace: Pace,
        now: float,
    ) -> None:
        """A changed poll's writes in one round trip: state, validators and pace; the first
        one also marks when statusmon first had the page's data (the board's history)."""
        with self.r.pipeline() as p:
            p.set(keys.state(page_id), state.to_json())
            p.hsetnx(keys.FIRST_SEEN, page_id, now)
            for url, (v, size) in validators.items():
                stage_validators(p, url, v, size)
            pace_keys = (keys.pace(page_id), keys.INTERVALS, keys.SCHEDULE)
            pace_args = (page_id, now, pace.interval, pace.reason, pace.detail, pace.until)
            p.eval(_PACE, 3, *pace_keys, *pace_args, pace.active_interval, pace.max_age)
            p.execute()


def load_paces(r: redis.Redis, page_ids: list[str]) -> dict[str, dict[str, str]]:
    """Each page's pace hash (empty: never active), in one round trip."""
    with r.pipeline(transaction=False) as p:
        for page_id in page_ids:
            p.hgetall(keys.pace(page_id))
        rows = cast(list[dict[str, str]], p.execute())
    return dict(zip(page_ids, rows, strict=True))
