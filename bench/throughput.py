"""Poll throughput at 304 steady state vs a bare requests loop and no-op Celery tasks, and the
bytes a steady cycle moves vs a naive full fetch. Everything through the real worker."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from bench.measure import Drain, Loop, drain, requests_loop
from bench.system import System
from monitor import store
from monitor.adapters import get_adapter
from monitor.fetch import conditional_headers
from monitor.pages import PageConfig
from monitor.schedule import batches
from monitor.session import new_session
from monitor.settings import load_settings

DISTINCT_BATCHES = 8  # batches per round, at least: twice the worker's 4 processes


@dataclass
class Throughput:
    pages: int
    first: Drain | None  # first polls of the pages not warmed before: full GET, parse, save
    steady: Drain  # polls answered 304
    loop: Loop  # the same conditional GETs from a bare requests loop
    wire: dict[str, int]  # simulator's counters over the steady polls


@dataclass
class Bandwidth:
    pages: int
    steady: dict[str, int]  # one 304 cycle over every page
    naive: dict[str, int]  # one cycle of plain GETs without validators


def _send(task: Any, pages: list[PageConfig], rounds: int) -> Any:
    return lambda: [task.apply_async((p.id,)).id for _ in range(rounds) for p in pages]


def _polls(pages: list[PageConfig], rounds: int) -> tuple[Any, float]:
    """What the tick sends for these pages (POLL_BATCH pages per `poll_pages`, or one `poll`
    each when it is 1), and how many pages each task polls. Rounds follow each other in the
    queue: with fewer than DISTINCT_BATCHES batches a round, the worker's processes would
    poll the same pages at once, and all but one of those polls find the page busy (no GET)."""
    from workers import tasks

    batch = min(load_settings().poll_batch, max(1, len(pages) // DISTINCT_BATCHES))
    if batch <= 1:
        return _send(tasks.poll, pages, rounds), 1
    chunks = [ids for _, ids in batches([(p.id, p.interval) for p in pages], batch)]
    send = tasks.poll_pages.apply_async
    return (lambda: [send((c,)).id for _ in range(rounds) for c in chunks]), len(pages) / len(
        chunks
    )


def _per_page(d: Drain, pages_per_task: float) -> Drain:
    return replace(d, count=round(d.count * pages_per_task))


def conditional_gets(system: System, pages: list[PageConfig]) -> list[tuple[str, dict[str, str]]]:
    """What the worker sends: the summary URL with the validators stored for it."""
    urls = [get_adapter(page.kind or "statuspage").summary_url(page) for page in pages]
    validators, _ = store.load_validators_many(system.r, urls)
    return [(url, conditional_headers(validators[url])) for url in urls]


def measure(
    system: System, pages: list[PageConfig], min_polls: int, warmed: int, every: int = 1
) -> Throughput:
    """`warmed`: how many of `pages` had their first poll already; the rest get it through
    the worker (measured). Steady polls: every `every`-th page, in rounds up to `min_polls`."""
    from monitor.registry import sync_pages
    from workers.celery_app import app

    system.r.delete("statusmon:schedule")
    sync_pages(system.r, pages, time.time())
    system.r.delete("statusmon:schedule")  # polls are sent by the bench, not by a beat
    cpu = system.cpu_readers()
    first = None
    if pages[warmed:]:
        send, batch = _polls(pages[warmed:], 1)
        first = _per_page(drain(app, system.r, system.worker_name, send, cpu), batch)
    polled = pages[::every]
    rounds = max(1, -(-min_polls // len(polled)))
    system.sim("stats/reset", "POST")
    send, batch = _polls(polled, rounds)
    steady = _per_page(drain(app, system.r, system.worker_name, send, cpu), batch)
    wire = system.sim("stats")
    with new_session() as session:
        loop = requests_loop(session, conditional_gets(system, polled) * rounds)
    return Throughput(len(pages), first, steady, loop, wire)


def noop_rate(system: System, pages: list[PageConfig], count: int) -> Drain:
    from bench.noop import noop
    from workers.celery_app import app

    batch = (pages * (1 + count // len(pages)))[:count]
    send = _send(noop, batch, 1)
    return drain(app, system.r, system.worker_name, send, system.cpu_readers())


def bandwidth(system: System, pages: list[PageConfig], run: Throughput, sample: int) -> Bandwidth:
    """Both per page of one cycle over `pages`: the steady polls of `run`, and plain GETs of
    the same summary URLs without validators (a naive client) for every k-th page (the same
    mix of platforms)."""
    counted = ("bytes_in", "bytes_out", "body_out")
    steady = {k: v * len(pages) // run.steady.count for k, v in run.wire.items() if k in counted}
    every = max(1, len(pages) // sample)
    system.sim("stats/reset", "POST")
    with new_session() as session:
        gets = conditional_gets(system, pages[::every])
        requests_loop(session, [(url, {}) for url, _ in gets])
    naive = {k: v * len(pages) // len(gets) for k, v in system.sim("stats").items() if k in counted}
    return Bandwidth(len(pages), steady, naive)
