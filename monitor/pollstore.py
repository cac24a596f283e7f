"""The Redis side of one poll, in as few round trips as it can be: a 304 poll costs two, and a
batch of them (monitor.pollbatch) shares them: `begin_many`, `finish_many`.

- `begin` (one script): the host's back-off check, the page lock, and the validators and last
  body sizes of the page's URLs;
- `save` (one MULTI, a changed poll only): the page state, its events (monitor.outbox: sent
  again if their line is not printed), the new validators, and the page's pace (monitor.pace:
  its interval now and why), moving its next due time when the interval changed;
- `finish` (one script): the lock released (if still ours), the poll counted (the hashes of
  monitor.counters.record_poll, with when it ended and since when the page fails), and a change
  window that has passed ended: the page falls back to its quiet interval.

Owns each page's pace hash (keys.pace) and writes keys.INTERVALS and the schedule's score of
the page whose interval changed (the rest of the schedule is monitor.schedule's). The lock is
the one store.page_lock takes (an ingest waits on it): the same key, a token as its value. A
poll takes it for a short lease its process renews while the poll runs (monitor.lease): it dies
with its holder within seconds.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import redis

from monitor import keys, outbox
from monitor.events import StatusEvent
from monitor.lease import Leases
from monitor.pace import Pace
from monitor.pollscripts import BEGIN, FINISH, PACE
from monitor.state import PageState
from monitor.store import Validators, stage_validators


@dataclass
class Begun:
    """What `begin` found: outcome ok (the lock is ours), backed_off or busy."""

    outcome: str
    backoff_until: float | None  # the host's back-off end, when it has one
    token: str = ""
    validators: dict[str, Validators] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


Start = tuple[str, str, list[str]]  # page id, host, the URLs whose validators to read


@dataclass(frozen=True)
class Ending:
    """How a poll that holds its page lock ends: `sizes` are the bytes fetched and the bytes a
    fetch without validators would have cost; outcome None: not counted (it raised)."""

    page_id: str
    token: str
    outcome: str | None
    sizes: tuple[int, int]
    quiet_interval: int  # the page's own interval, for a change window that has passed
    now: float


def _begun(reply: object, urls: list[str], token: str) -> Begun:
    flat = cast(list[str], reply)
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


def _finish_call(end: Ending) -> tuple[list[str], list[str | float]]:
    script_keys = [keys.lock(end.page_id), keys.METRICS_POLLS, keys.METRICS_BYTES]
    script_keys += [keys.pace(end.page_id), keys.INTERVALS, keys.SCHEDULE]
    script_keys += [keys.POLLED_AT, keys.FAILING_SINCE]  # the board's page health
    args: list[str | float] = [end.token, end.page_id, end.outcome or "", *end.sizes]
    return script_keys, [*args, end.now, end.quiet_interval]


class PollStore:
    """The scripts, registered once per client (EVALSHA, loaded on first use)."""

    def __init__(
        self, r: redis.Redis, lock_ttl: float = keys.LOCK_TTL, leases: Leases | None = None
    ) -> None:
        self.r = r
        self.bound = lock_ttl  # keys.lock_ttl: the fetch deadlines it guards, renewals included
        self.leases = leases or Leases(r)
        self.lock_ms = min(self.leases.lease_ms, int(lock_ttl * 1000))
        self._begin = r.register_script(BEGIN)
        self._finish = r.register_script(FINISH)

    def begin(self, page_id: str, host: str, urls: list[str], now: float) -> Begun:
        script_keys, args, token = self._begin_call(page_id, host, urls, now)
        return self._held(page_id, _begun(self._begin(keys=script_keys, args=args), urls, token))

    def begin_many(self, starts: list[Start], now: float) -> list[Begun]:
        """`begin` for each (page id, host, urls), in one round trip (and a SCRIPT EXISTS)."""
        tokens = []
        with self.r.pipeline(transaction=False) as p:
            for page_id, host, urls in starts:
                script_keys, args, token = self._begin_call(page_id, host, urls, now)
                self._begin(keys=script_keys, args=args, client=p)
                tokens.append(token)
            replies = p.execute()
        return [
            self._held(page_id, _begun(flat, urls, token))
            for flat, (page_id, _, urls), token in zip(replies, starts, tokens, strict=True)
        ]

    def _held(self, page_id: str, begun: Begun) -> Begun:
        """A lock taken is renewed until its poll ends (`finish`) or reaches its bound."""
        if begun.outcome == "ok":
            self.leases.hold(keys.lock(page_id), begun.token, self.bound)
        return begun

    def _begin_call(
        self, page_id: str, host: str, urls: list[str], now: float
    ) -> tuple[list[str], list[str | float], str]:
        token = secrets.token_hex(16)
        script_keys = [keys.backoff(host), keys.lock(page_id)]
        script_keys += [keys.validators(u) for u in urls] + [keys.body_size(u) for u in urls]
        return script_keys, [now, token, self.lock_ms, len(urls)], token

    def finish(self, end: Ending) -> bool:
        """Release the lock, count the poll (outcome None: not counted), end a passed change
        window. False: the lock had expired before (the poll outlived keys.lock_ttl, or could
        not renew it for a lease). Its lock is no longer renewed, even when this raises."""
        script_keys, args = _finish_call(end)
        try:
            return bool(self._finish(keys=script_keys, args=args))
        finally:
            self.leases.drop(end.token)

    def finish_many(self, ends: list[Ending]) -> list[bool]:
        """`finish` for each, in one round trip (and a SCRIPT EXISTS)."""
        try:
            with self.r.pipeline(transaction=False) as p:
                for end in ends:
                    script_keys, args = _finish_call(end)
                    self._finish(keys=script_keys, args=args, client=p)
                return [bool(held) for held in p.execute()]
        finally:
            for end in ends:
                self.leases.drop(end.token)

    def save(
        self,
        page_id: str,
        state: PageState,
        validators: Mapping[str, tuple[Validators, int | None]],
        pace: Pace,
        now: float,
        events: Sequence[StatusEvent] = (),
    ) -> None:
        """A changed poll's writes in one round trip: state, its events (sent before), their
        outbox entries, validators and pace; the first one also marks when statusmon first had
        the page's data (the board's history)."""
        with self.r.pipeline() as p:
            p.set(keys.state(page_id), state.to_json())
            outbox.stage(p, events, now)
            p.hsetnx(keys.FIRST_SEEN, page_id, now)
            for url, (v, size) in validators.items():
                stage_validators(p, url, v, size)
            pace_keys = (keys.pace(page_id), keys.INTERVALS, keys.SCHEDULE)
            pace_args = (page_id, now, pace.interval, pace.reason, pace.detail, pace.until)
            p.eval(PACE, 3, *pace_keys, *pace_args, pace.active_interval, pace.max_age)
            p.execute()


def load_paces(r: redis.Redis, page_ids: list[str]) -> dict[str, dict[str, str]]:
    """Each page's pace hash (empty: never active), in one round trip."""
    with r.pipeline(transaction=False) as p:
        for page_id in page_ids:
            p.hgetall(keys.pace(page_id))
        rows = cast(list[dict[str, str]], p.execute())
    return dict(zip(page_ids, rows, strict=True))
