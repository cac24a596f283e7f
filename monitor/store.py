"""Redis reads and writes of the core: page state, HTTP validators, the page lock, heartbeats.

The other writers, each owning one structure and saying so in its docstring: monitor.registry
(the page registry), monitor.schedule (the schedule and retry sets: it claims with Lua),
monitor.backoff (each host's back-off), monitor.pollstore (a poll's own scripts: back-off
check, page lock, validators, counts, each page's pace and its interval), monitor.notify (an
event's claim), monitor.eventlog (the event log and the deliveries its mark files),
monitor.delivery (each delivery, the due
set, dead letters), monitor.ratelimit and monitor.sending (a channel's bucket and marks),
monitor.ingest (replayed webhook ids, the hint throttle) and monitor.counters (the metrics
hashes, each channel's status). Every key is named in monitor.keys.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis
from redis.client import Pipeline
from redis.lock import Lock

from monitor import keys, outbox
from monitor.events import StatusEvent
from monitor.sentinel import SentinelConfig
from monitor.state import PageState

Redis = redis.Redis  # always made with decode_responses=True (see connect)
DEFAULTS: dict[str, Any] = {"decode_responses": True, "health_check_interval": 30}


def connect(where: str | SentinelConfig, **options: Any) -> Redis:
    """The one way a Redis client is made: `where` is a URL (REDIS_URL) or the sentinels that
    know the primary (`Settings.redis`); `options` add to or override DEFAULTS (timeouts)."""
    options = {**DEFAULTS, **options}
    if isinstance(where, SentinelConfig):
        return where.client(**options)
    return redis.Redis.from_url(where, **options)


def load_state(r: Redis, page_id: str) -> PageState | None:
    raw = r.get(keys.state(page_id))
    return None if raw is None else PageState.from_json(raw)


def save_state(
    r: Redis, page_id: str, state: PageState, events: Sequence[StatusEvent] = ()
) -> None:
    """The page's state, with the events it records as seen (one MULTI: monitor.outbox); the
    first one also marks when statusmon first had its data (the board's history shows "no
    data" before, monitor.history)."""
    with r.pipeline(transaction=bool(events)) as p:
        p.set(keys.state(page_id), state.to_json())
        p.hsetnx(keys.FIRST_SEEN, page_id, time.time())
        outbox.stage(p, events, time.time())
        p.execute()


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


def load_validators_many(r: Redis, urls: list[str]) -> tuple[dict[str, Validators], dict[str, int]]:
    """Each URL's validators and the size of its last full body (what a 304 saved), in one
    round trip."""
    with r.pipeline(transaction=False) as p:
        for url in urls:
            p.hgetall(keys.validators(url))
        p.mget([keys.body_size(url) for url in urls])
        *rows, sizes = p.execute()
    validators = {
        url: Validators(raw.get("etag"), raw.get("last_modified"), raw.get("body_hash"))
        for url, raw in zip(urls, cast(list[dict[str, str]], rows), strict=True)
    }
    return validators, {url: int(n or 0) for url, n in zip(urls, sizes, strict=True)}


def save_validators_many(r: Redis, fetched: Mapping[str, tuple[Validators, int | None]]) -> None:
    """New validators per URL, and the size of a full body fetched (None: a 304, no body).
    Committed only after the body was acted on (monitor.poll)."""
    if not fetched:
        return
    with r.pipeline() as p:
        for url, (v, size) in fetched.items():
            stage_validators(p, url, v, size)
        p.execute()


def stage_validators(p: Pipeline, url: str, v: Validators, size: int | None) -> None:
    """Queue on `p` the writes of one URL's new validators (and its full body size, when a
    body came): what save_validators_many and a changed poll's one round trip both send."""
    key = keys.validators(url)
    mapping: dict[str, str] = {k: val for k, val in vars(v).items() if val}
    p.delete(key)
    if mapping:
        p.hset(key, mapping=cast(Any, mapping))
    if size is not None:
        p.set(keys.body_size(url), size, ex=keys.BODY_SIZE_TTL)


def page_lock(
    r: Redis, page_id: str, wait: float | None = None, ttl: float = keys.LOCK_TTL
) -> Lock:
    """The page lock a poll and an ingest of the same page share, so that one page's state is
    changed by one task at a time. A poll tries it once (`acquire(blocking=False)`: a busy
    page has nothing to add); an ingest waits up to `wait` seconds for it, looking every 5 ms
    (redis-py's default 100 ms naps queued bursts of webhooks behind each other). `ttl`: how long
    a holder that dies keeps it (keys.lock_ttl)."""
    return Lock(r, keys.lock(page_id), timeout=ttl, blocking_timeout=wait, sleep=keys.LOCK_POLL)


def heartbeat(r: Redis, role: str) -> None:
    r.set(keys.alive(role), str(time.time()), ex=keys.HEARTBEAT_TTL)


def last_seen(r: Redis, role: str) -> float | None:
    raw = r.get(keys.alive(role))
    return float(raw) if raw else None
