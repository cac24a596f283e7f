"""Phase 2, the scheduled run: beat, worker and notifier on the schedule, a scripted scenario
with faults, scored against the notifier's JSON lines. Start lag, due times with no poll,
detection lag, completeness and bytes per cycle, all from this one run."""

from __future__ import annotations

import bisect
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from bench.lag import Lags, PollRate, classify, poll_rate
from bench.procs import celery
from bench.system import System
from monitor import keys, store
from monitor.schedule import CLAIM_AHEAD, phase, spread_window
from monitor.simulate.model import Publication
from monitor.simulate.pages import Layout
from monitor.simulate.score import Score, score

Printed = list[tuple[float, dict[str, Any]]]


@dataclass
class Load:
    pages: int
    interval: int
    seconds: float = 0.0
    start_lags: list[float] = field(default_factory=list)  # polls of pages on clean hosts
    dues: int = 0  # due times that should have started a poll (clean hosts)
    missed_dues: int = 0
    starved: int = 0  # pages with at least one due time and no poll for it
    clean_pages: int = 0
    score: Score = field(default_factory=Score)
    poll_to_line: list[float] = field(default_factory=list)  # printed − the GET that saw it
    poll_to_line_flaky: list[float] = field(default_factory=list)  # … pages on faulty hosts
    poll_lags: list[float] = field(default_factory=list)  # printed − published, polled pages
    webhook_lags: list[float] = field(default_factory=list)  # … pages that send webhooks
    poll_by: Lags = field(default_factory=Lags)  # polled pages' lags by class (bench.lag)
    poll_by_clean: Lags = field(default_factory=Lags)  # … of those, pages on hosts without faults
    poll_by_faulty: Lags = field(default_factory=Lags)  # … and pages on hosts with faults
    webhook_by: Lags = field(default_factory=Lags)
    rate: PollRate = field(default_factory=PollRate)  # summary GETs/s vs a fixed interval
    touched: int = 0  # pages with a publication (left out of schedule health: they speed up)
    webhooks: dict[str, int] = field(default_factory=dict)  # POSTs by response status
    bytes_per_poll: float = 0.0  # every GET of the run (follow-ups too) per summary GET
    polls: int = 0
    cpu: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    layout: Layout
    flaky_hosts: set[int]
    hosts: int
    span: float  # when the scenario's last step happens
    interval: int
    latency: float
    webhooks: bool = False  # the pages of layout.webhooks() send webhooks to a web process


def run_load(system: System, plan: Plan) -> Load:
    system.r.delete(keys.SCHEDULE)  # beat syncs afresh: first polls spread, then every interval
    system.sim("latency", "POST", json=plan.latency)
    log_start = system.sim("stats")["logged"]
    cpu = system.cpu_readers()
    cpu0 = {name: read() for name, read in cpu.items()}
    began = time.time()
    system.children["beat"] = celery("beat", system.env, system.run_dir)
    while (store.last_seen(system.r, "beat") or 0) < began:  # beat synced and ticked
        time.sleep(0.2)
    scores = system.r.zrange(keys.SCHEDULE, 0, -1, withscores=True)
    grid = {str(page): float(due) for page, due in cast(list[tuple[str, float]], scores)}
    system.sim("start", "POST")
    started = time.time()
    deadline = started + plan.span + plan.interval + 20
    expected = _wait_printed(system, started + plan.span, deadline, plan.interval)
    ended = time.time()
    system.children.pop("beat").stop()
    system.sim("latency", "POST", json=0)
    result = Load(plan.layout.pages, plan.interval, ended - began)
    result.cpu = {name: read() - cpu0[name] for name, read in cpu.items()}
    rows = system.sim("log", params={"since": log_start})["rows"]
    _save(system, rows=rows, grid=grid)
    published = {int(p.page_id.removeprefix("sim")) for p in expected}
    result.touched = len(published)
    _schedule(result, plan, rows, grid, (began, ended), published)
    _score(result, plan, system, expected, _polls_by_page(plan.layout, rows))
    per_page: dict[int, int] = defaultdict(int)
    for r in rows:
        if summary_request(plan.layout, r[1], r[2]):
            per_page[r[1]] += 1
    flaky = {n for n in range(plan.layout.pages) if n % plan.hosts in plan.flaky_hosts}
    result.rate = poll_rate(per_page, plan.layout.pages, published | flaky, ended - began)
    result.bytes_per_poll = sum(r[4] + r[5] for r in rows) / max(1, sum(per_page.values()))
    return result


def _save(system: System, **data: Any) -> None:
    for name, value in data.items():
        (system.run_dir / f"{name}.json").write_text(json.dumps(value))


def _wait_printed(
    system: System, earliest: float, deadline: float, interval: int
) -> list[Publication]:
    """Until every expected publication was printed (and the scenario is over), or deadline."""
    while True:
        time.sleep(2)
        published = [Publication(**p) for p in system.sim("published")]
        now = time.time()
        done = score(published, _printed(system), visible=interval).missed == 0
        if now >= deadline or (now >= earliest and done):
            return published


def _printed(system: System) -> Printed:
    lines = list(system.children["notifier"].lines)
    return [(t, json.loads(line)) for t, line in lines if line.startswith("{")]


def _polls_by_page(layout: Layout, rows: list[list[Any]]) -> dict[str, list[float]]:
    """When each page's summary was fetched (with a 200: the polls that could see a change)."""
    polls: dict[str, list[float]] = defaultdict(list)
    for t, n, path, status, *_ in rows:
        if status == 200 and summary_request(layout, n, path):
            polls[layout.page_id(n)].append(t)
    return polls


def _score(
    result: Load,
    plan: Plan,
    system: System,
    expected: list[Publication],
    polls: dict[str, list[float]],
) -> None:
    printed = _printed(system)
    with open(system.run_dir / "printed.jsonl", "w", encoding="utf-8") as out:
        out.writelines(json.dumps({"t": t, **line}) + "\n" for t, line in printed)
    result.score = score(expected, printed, visible=result.interval)
    classes = classify(expected, result.score.pairs)
    tail = []
    for page_id, published_at, printed_at in result.score.pairs:
        n = int(page_id.removeprefix("sim"))
        cls = classes.get((page_id, published_at), "")
        if plan.webhooks and plan.layout.webhooks(n):
            result.webhook_lags.append(printed_at - published_at)
            result.webhook_by.add(cls, printed_at - published_at)
            continue
        result.poll_lags.append(printed_at - published_at)
        result.poll_by.add(cls, printed_at - published_at)
        flaky = n % plan.hosts in plan.flaky_hosts
        (result.poll_by_faulty if flaky else result.poll_by_clean).add(
            cls, printed_at - published_at
        )
        times = polls.get(page_id, [])
        seen = bisect.bisect_left(times, published_at)  # the first full GET after publication
        if seen < len(times) and times[seen] <= printed_at:
            into = result.poll_to_line_flaky if flaky else result.poll_to_line
            into.append(printed_at - times[seen])
            tail.append((page_id, cls, flaky, published_at, times[seen], printed_at))
    _save(system, poll_to_line=tail)  # each one: what to look at when the tail is long
    statuses = [str(row[3]) for row in system.sim("webhooks")]
    result.webhooks = {s: statuses.count(s) for s in sorted(set(statuses))}


def summary_request(layout: Layout, n: int, path: str) -> bool:
    if layout.kind(n) == "incidentio":
        return path.startswith("/proxy/") and path.count("/") == 2
    return path == "/api/v2/summary.json"


def synced(grid: dict[str, float], interval: int) -> float:
    """When beat put the pages in the schedule: a page's first due time is that plus its phase
    (monitor.schedule.first_due); a page the first ticks already claimed is one interval on."""
    window = spread_window(len(grid), interval)
    return min((due - phase(page_id, window) for page_id, due in grid.items()), default=0.0)


def _schedule(
    result: Load,
    plan: Plan,
    rows: list[list[Any]],
    grid: dict[str, float],
    span: tuple[float, float],
    published: set[int],
) -> None:
    """Each summary GET of a clean page is a poll: its lag behind the due time it served.
    Pages with a publication are left out: they were polled closer (monitor.pace)."""
    layout, interval = plan.layout, plan.interval
    began, ended = span
    began = max(began, synced(grid, interval))  # no page was due before it was scheduled
    seen: dict[int, set[int]] = defaultdict(set)
    for t, n, path, *_ in rows:
        if n % plan.hosts in plan.flaky_hosts or not summary_request(layout, n, path):
            continue
        if n in published:
            continue
        d0 = grid[layout.page_id(n)]
        k = math.floor((t - d0 + CLAIM_AHEAD) / interval)  # the tick may claim it that early
        seen[n].add(k)
        result.start_lags.append(t - (d0 + k * interval))
    result.polls = len(result.start_lags)
    clean = [
        n
        for n in range(layout.pages)
        if n % plan.hosts not in plan.flaky_hosts and n not in published
    ]
    result.clean_pages = len(clean)
    for n in clean:
        d0 = grid[layout.page_id(n)]
        first = math.ceil((began - d0) / interval)
        last = math.floor((ended - 10 - d0) / interval)
        due = set(range(first, last + 1))
        missed = len(due - seen[n])
        result.dues += len(due)
        result.missed_dues += missed
        result.starved += missed > 0
