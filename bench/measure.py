"""Measuring tools: drain a batch of tasks through the real worker, time a bare requests loop,
percentiles, Redis command counts and CPU per process."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis
import requests


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


@dataclass
class Drain:
    """A batch of tasks taken from a paused queue: rate from first to last completion."""

    count: int
    seconds: float
    outcomes: dict[str, int]
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process
    redis_commands: int = 0

    @property
    def rate(self) -> float:
        return (self.count - 1) / self.seconds if self.seconds > 0 else float("nan")


def redis_commands(r: redis.Redis) -> int:
    return int(r.info("stats")["total_commands_processed"])


def drain(
    app: Any,
    r: redis.Redis,
    worker: str,
    send: Callable[[], list[str]],
    cpu_of: Mapping[str, Callable[[], float]],
    queue: str = "poll",
) -> Drain:
    """Pause `worker`'s queue, send the batch, resume, and wait until every result is stored."""
    app.control.cancel_consumer(queue, destination=[worker], reply=True, timeout=10)
    ids = send()
    cpu0 = {name: read() for name, read in cpu_of.items()}
    commands0 = redis_commands(r)
    app.control.add_consumer(queue, destination=[worker], reply=True, timeout=10)
    metas = wait_results(r, ids)
    commands = redis_commands(r) - commands0
    cpu = {name: read() - cpu0[name] for name, read in cpu_of.items()}
    done = [datetime.fromisoformat(m["date_done"]).timestamp() for m in metas]
    outcomes = Counter(str((m.get("result") or {}).get("outcome", m["status"])) for m in metas)
    return Drain(len(ids), max(done) - min(done), dict(outcomes), cpu, commands)


def wait_results(r: redis.Redis, ids: list[str], timeout: float = 600) -> list[dict[str, Any]]:
    keys = [f"celery-task-meta-{i}" for i in ids]
    deadline = time.monotonic() + timeout
    while not r.exists(keys[-1]):
        _wait(deadline, "last result")
    while True:
        raw = [v for start in range(0, len(keys), 1000) for v in r.mget(keys[start : start + 1000])]
        if all(raw):
            return [json.loads(str(v)) for v in raw]
        _wait(deadline, f"{sum(1 for v in raw if not v)} results")


def _wait(deadline: float, what: str) -> None:
    if time.monotonic() > deadline:
        raise TimeoutError(f"still waiting for {what}")
    time.sleep(0.2)


@dataclass
class Loop:
    count: int
    seconds: float
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.count / self.seconds


def requests_loop(session: requests.Session, requests_: list[tuple[str, dict[str, str]]]) -> Loop:
    """The same GETs from one thread, one session, nothing else."""
    statuses: Counter[int] = Counter()
    began = time.perf_counter()
    for url, headers in requests_:
        statuses[session.get(url, headers=headers, timeout=10).status_code] += 1
    return Loop(len(requests_), time.perf_counter() - began, dict(statuses))
