"""The only writer to Redis: page state, HTTP validators, back-off, heartbeats."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Any, cast

import redis

from monitor import keys
from monitor.state import PageState

Redis = redis.Redis  # always made with decode_responses=True (see connect)


def connect(url: str) -> Redis:
    return redis.Redis.from_url(url, decode_responses=True, health_check_interval=30)


def load_state(r: Redis, page_id: str) -> PageState | None:
    raw = r.get(keys.state(page_id))
    return None if raw is None else PageState.from_json(raw)


def save_state(r: Redis, page_id: str, state: PageState) -> None:
    r.set(keys.state(page_id), state.to_json())


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


def load_validators(r: Redis, url: str) -> Validators:
    raw = cast(dict[str, str], r.hgetall(keys.validators(url)))
    return Validators(raw.get("etag"), raw.get("last_modified"), raw.get("body_hash"))


def load_validators_many(r: Redis, urls: list[str]) -> dict[str, Validators]:
    with r.pipeline(transaction=False) as p:
        for url in urls:
            p.hgetall(keys.validators(url))
        rows = cast(list[dict[str, str]], p.execute())
    return {
        url: Validators(raw.get("etag"), raw.get("last_modified"), raw.get("body_hash"))
        for url, raw in zip(urls, rows, strict=True)
    }


def save_validators(r: Redis, url: str, v: Validators) -> None:
    key = keys.validators(url)
    mapping: dict[str, str] = {k: val for k, val in vars(v).items() if val}
    with r.pipeline() as p:
        p.delete(key)
        if mapping:
            p.hset(key, mapping=cast(Any, mapping))
        p.execute()


def backoff_until(r: Redis, host: str) -> float | None:
    """When the host's back-off ends; None when it has none (no failure since its last success)."""
    until = r.hget(keys.backoff(host), "until")
    return float(until) if until else None


def backoff_remaining(r: Redis, host: str, now: float | None = None) -> float:
    until = backoff_until(r, host)
    return max(0.0, until - (now or time.time())) if until is not None else 0.0


def record_failure(r: Redis, host: str, retry_after: float | None, base: float = 5.0) -> float:
    """Exponential back-off with full jitter per host, at least the server's Retry-After."""
    key = keys.backoff(host)
    failures = int(r.hincrby(key, "failures", 1))
    delay = random.uniform(base, min(keys.BACKOFF_CAP, base * 2 ** (failures - 1)))
    delay = max(delay, retry_after or 0.0)
    r.hset(key, "until", str(time.time() + delay))
    r.expire(key, int(delay) + keys.BACKOFF_CAP)
    return delay


def record_success(r: Redis, host: str) -> None:
    r.delete(keys.backoff(host))


def heartbeat(r: Redis, role: str) -> None:
    r.set(keys.alive(role), str(time.time()), ex=keys.HEARTBEAT_TTL)


def last_seen(r: Redis, role: str) -> float | None:
    raw = r.get(keys.alive(role))
    return float(raw) if raw else None


def pages_json(r: Redis) -> dict[str, dict[str, object]]:
    raw = cast(dict[str, str], r.hgetall(keys.PAGES))
    return {k: json.loads(v) for k, v in raw.items()}
