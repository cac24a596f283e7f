"""`make chaos`: faults injected at random moments into the real system running a scripted
scenario on the simulator, scored by the benchmark's scorer; writes docs/reliability.md and
the table between the markers in README.md.

Each row: a fresh system of its own (Redis, the simulator with --pages pages, the production
poll worker, notifier and beat, as bench/system.py starts them; --jobs rows at once), a
generated scenario of incidents, maintenances and flapping components, and one fault injected
--times times at random moments while the scenario plays. A killed process is started again
a second later, as `statusmon run`'s supervisor does. Once the scenario is over the run waits
until every expected line was printed, or --settle seconds. Figures come from
monitor.simulate.score on the changes a poll could see (bench/chaos_score.py: the injector
times each blackout, when no poll can run): expected, printed, missed, unobservable,
duplicated, and the worst lag (published -> printed) as the time to recover.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from bench.chaos_faults import Injector
from bench.chaos_report import Row, render, write_readme
from bench.chaos_rows import FAULTS, SUPERVISED
from bench.chaos_score import Observed, score_observable
from bench.system import System
from monitor.simulate.generate import Mix, generate
from monitor.simulate.model import Publication
from monitor.simulate.pages import Layout

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    p.add_argument("--pages", type=int, default=300)
    p.add_argument("--hosts", type=int, default=10)
    p.add_argument("--interval", type=int, default=5, help="poll interval of every page")
    p.add_argument("--span", type=float, default=20, help="seconds the scenario plays")
    p.add_argument("--times", type=int, default=4, help="injections of each fault per row")
    # past CLAIM_TTL (60 s): a notifier killed between claim and print delays its line that long
    p.add_argument("--settle", type=float, default=75, help="seconds to wait for late lines")
    p.add_argument("--faults", default=",".join(FAULTS), help="rows, by name")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=2, help="rows run at once, each its own system")
    p.add_argument("--out", type=Path, default=ROOT / "docs/reliability.md")
    p.add_argument("--readme", type=Path, default=ROOT / "README.md")
    p.add_argument("--row", help=argparse.SUPPRESS)  # one row, in a process of its own
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.row:
        name, seed = args.row.split(":")
        print(json.dumps(asdict(run_row(args, name, int(seed)))))
        return 0
    unknown = [n for n in args.faults.split(",") if n not in FAULTS]
    if unknown:
        raise SystemExit(f"chaos: unknown fault {', '.join(unknown)}; known: {', '.join(FAULTS)}")
    began = time.time()
    names = args.faults.split(",")
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futures = [
            pool.submit(in_own_process, argv or sys.argv[1:], name, args.seed + n)
            for n, name in enumerate(names)
        ]
        for name, future in zip(names, futures, strict=True):
            _say(f"{name}: {future.result().summary()}")
    rows = [future.result() for future in futures]
    took = time.time() - began
    args.out.write_text(render(rows, vars(args), took), encoding="utf-8")
    write_readme(args.readme, rows)
    _say(f"wrote {args.out} and the table in {args.readme} ({took:.0f} s)")
    return 0


def in_own_process(argv: list[str], name: str, seed: int) -> Row:
    """A row in a fresh Python process: the Celery app there is bound to that row's Redis."""
    command = [sys.executable, "-m", "bench.chaos", *argv, "--row", f"{name}:{seed}"]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, check=True)
    return Row(**json.loads(done.stdout.decode().strip().splitlines()[-1]))


def run_row(args: argparse.Namespace, name: str, seed: int) -> Row:
    hooks = 2 if name == "web-kill" else 0  # every 2nd Statuspage page sends webhooks
    layout = Layout(args.pages, 10, webhook_every=hooks or 1)
    gap = args.interval * 2
    mix = Mix(8, 0, 6, 3, 2, 0, start=args.span / 4, gap=gap)
    bare = name not in SUPERVISED  # else `statusmon run` runs worker, notifier and beat
    system = System(args.pages, args.hosts, 10, args.interval, webhook_every=hooks, persist=True)
    system.workers = system.beat = bare
    system.sentinel = name == "sentinel-failover"  # bench/chaos_sentinel.py
    system.scenario = system.run_dir / "scenario.yaml"
    scenario = generate(layout, mix, seed)
    system.scenario.write_text(scenario.dump())
    span = max(s.at or 0.0 for s in scenario.steps)
    hooked = {layout.page_id(n) for n in range(args.pages) if hooks and layout.webhooks(n)}
    historyless = {layout.page_id(n) for n in range(args.pages) if layout.kind(n) == "incidentio"}
    system.start()
    system.start_web()  # only with webhooks
    injector = Injector(system, random.Random(seed))
    observe = partial(_observe, args.interval, injector.blackouts, hooked, historyless)
    try:
        if not bare:
            injector.supervise()
        else:
            injector.watch()  # a process that exits by itself is started again, and noted
        injector.wait_first_polls(args.pages, timeout=120)
        system.sim("start", "POST")
        started = time.time()
        times = min(args.times * FAULTS[name].scale, FAULTS[name].cap)
        moments = sorted(random.Random(seed).uniform(2, span) for _ in range(times))
        for at in moments:
            _pause_until(started + at)
            injector.inject(name)
        injector.heal()
        published = _wait_printed(system, injector, started + span, args, observe)
        printed = injector.printed()
    finally:
        injector.stop()
        system.stop()
    observed = observe(published, printed)
    result = observed.score
    _save(system.run_dir, printed, observed, injector.blackouts)
    lags = [printed_at - published_at for _, published_at, printed_at in result.pairs]
    return Row(
        name,
        len(moments),
        result.expected,
        result.printed,
        result.missed,
        result.duplicates,
        max(lags, default=0.0),
        str(system.run_dir),
        injector.notes,
        len(observed.unobservable),
        observed.seen_anyway,
    )


Printed = list[tuple[float, dict[str, Any]]]


def _observe(
    interval: float,
    blackouts: list[tuple[float, float]],
    hooked: set[str],
    historyless: set[str],
    published: list[Publication],
    printed: Printed,
) -> Observed:
    return score_observable(published, printed, interval, blackouts, hooked, historyless)


def _wait_printed(
    system: System,
    injector: Injector,
    earliest: float,
    args: argparse.Namespace,
    observe: Callable[[list[Publication], Printed], Observed],
) -> list[Publication]:
    deadline = earliest + args.interval * 2 + args.settle
    while True:
        time.sleep(1)
        published = [Publication(**p) for p in system.sim("published")]
        now = time.time()
        done = observe(published, injector.printed()).score.missed == 0
        if now >= deadline or (now >= earliest + args.interval and done):
            return published


def _pause_until(at: float) -> None:
    time.sleep(max(0.0, at - time.time()))


def _save(
    run_dir: Path, printed: Printed, observed: Observed, blackouts: list[tuple[float, float]]
) -> None:
    """printed.jsonl (with arrival times); unobservable.jsonl: the blackouts, then the changes
    no poll could see."""
    with open(run_dir / "printed.jsonl", "w", encoding="utf-8") as out:
        out.writelines(json.dumps({"t": t, **line}) + "\n" for t, line in printed)
    with open(run_dir / "unobservable.jsonl", "w", encoding="utf-8") as out:
        out.writelines(json.dumps({"blackout": list(b)}) + "\n" for b in blackouts)
        out.writelines(json.dumps(asdict(p)) + "\n" for p in observed.unobservable)


def _say(text: str) -> None:
    print(f"chaos: {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    raise SystemExit(main())
