"""`make bench`: the simulator benchmark on this machine, written to docs/benchmarks.md.

One run: Redis, the simulator (N pages on K loopback hosts, every 10th incident.io), the
production poll worker and notifier. Phase 1 drives polls directly (throughput at 100, 1,000
and 10,000 pages, bandwidth of a steady cycle); phase 2 adds beat and a scripted scenario with
faults (schedule health, detection lag, completeness).
A quick look: --pages 1000 --sizes 100,1000 --hosts 20 --flaky-hosts 2 --interval 20.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import report
from bench.board import board_run
from bench.load import Load, Plan, run_load
from bench.measure import Drain
from bench.system import System
from bench.table import Run, all_rows, cost_rows, webhook_rate_rows
from bench.throughput import Bandwidth, Throughput, bandwidth, measure, noop_rate
from bench.warm import warm
from monitor.simulate.generate import Mix, generate
from monitor.simulate.pages import Layout

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    p.add_argument("--pages", type=int, default=10_000)
    p.add_argument("--sizes", default="100,1000,10000", help="page counts for throughput")
    p.add_argument("--hosts", type=int, default=100, help="loopback hosts the pages are on")
    p.add_argument("--flaky-hosts", type=int, default=5, help="hosts whose pages get faults")
    p.add_argument("--incidentio-every", type=int, default=10)
    p.add_argument("--interval", type=int, default=60)
    p.add_argument("--start", type=float, default=15, help="window of the scenario's first steps")
    p.add_argument("--min-polls", type=int, default=1000, help="polls per throughput figure")
    p.add_argument("--latency", type=float, default=0.1, help="mean response delay, phase 2")
    p.add_argument("--webhook-every", type=int, default=2, help="0: no web process")
    p.add_argument("--webhook-rates", default="50,200", help="posts/s of bench/webhook.py runs")
    p.add_argument("--webhook-seconds", type=float, default=5, help="length of each of them")
    p.add_argument("--channels-rounds", type=int, default=2, help="0: no delivery rows")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.time()
    layout = Layout(args.pages, args.incidentio_every, webhook_every=args.webhook_every or 1)
    flaky = set(range(args.flaky_hosts))
    fault_pages = [n for n in range(args.pages) if n % args.hosts in flaky]
    scale = args.pages / 10_000
    mix = Mix(
        incidents=max(5, int(60 * scale)),
        short=max(2, int(10 * scale)),
        flaps=max(3, int(40 * scale)),
        maintenances=max(2, int(10 * scale)),
        renames=max(2, int(10 * scale)),
        faults=max(3, int(20 * scale)),
        start=args.start,
        gap=args.interval,
    )
    system = System(args.pages, args.hosts, args.incidentio_every, args.interval)
    system.webhook_every = args.webhook_every
    system.scenario = system.run_dir / "scenario.yaml"
    scenario = generate(layout, mix, args.seed, fault_pages)
    system.scenario.write_text(scenario.dump())
    span = max(s.at or 0.0 for s in scenario.steps)
    print(f"bench: run folder {system.run_dir}", file=sys.stderr)
    system.start()
    try:
        from celery._state import _set_task_join_will_block

        _set_task_join_will_block(True)  # the bench sends tasks: no result subscriptions here
        from monitor.config import load_pages

        pages = load_pages(system.env["MONITOR_PAGES"])
        sizes = [int(s) for s in args.sizes.split(",") if int(s) <= len(pages)]
        runs: list[Throughput] = []
        for size in sizes:
            warmed = runs[-1].pages if runs else 0
            if size > 2_000:  # the rest of the first polls off the clock (see bench/warm.py)
                _say(f"first polls of {size - warmed:,} more pages, in-process")
                warm(pages[warmed:size], system.redis.url)
                warmed = size
            every = max(1, size // 5_000)  # at most ~5,000 steady polls per figure
            runs.append(measure(system, pages[:size], args.min_polls, warmed, every))
            _say(f"throughput {size}: {runs[-1].steady.rate:.0f} polls/s")
        noop = noop_rate(system, pages, max(args.min_polls, 3000))
        _say(f"no-op: {noop.rate:.0f} tasks/s")
        band = bandwidth(system, pages[: sizes[-1]], runs[-1], sample=2000)
        hooks = bool(args.webhook_every)
        system.start_web()
        plan = Plan(layout, flaky, args.hosts, span, args.interval, args.latency, hooks)
        load = run_load(system, plan)
        _say(f"load: {load.score.missed} missed, {load.score.duplicates} duplicates")
        info = system.r.info("server")
    finally:
        system.stop()
    hooks = [webhook_rate(rate, args.webhook_seconds, system.run_dir) for rate in _rates(args)]
    channels = channels_run(args, system.run_dir)
    try:
        board: dict[str, Any] | None = board_run(system.run_dir)
    except (OSError, ValueError) as exc:  # its own processes: the rest of the report stands
        _say(f"board benchmark failed ({exc}); its section is left out")
        board = None
    run = Run(runs, noop, band, load, args.latency)
    results = assemble(args, run, info, time.time() - began)
    results["webhooks"] = webhook_rate_rows(hooks)
    results["board"] = board
    results["delivery"] = channels
    (system.run_dir / "results.json").write_text(
        json.dumps(_raw(runs, noop, band, load), default=str)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report.render(results, "make bench"), encoding="utf-8")
    _say(f"wrote {args.out} ({time.time() - began:.0f} s)")
    return 0


def _rates(args: argparse.Namespace) -> list[float]:
    return [float(r) for r in args.webhook_rates.split(",") if r.strip()]


def webhook_rate(rate: float, seconds: float, run_dir: Path) -> dict[str, Any]:
    """`bench/webhook.py` at a fixed rate, in its own processes (its own Redis and broker)."""
    out = run_dir / f"webhook-{rate:g}.json"
    argv = [sys.executable, "bench/webhook.py", "--rate", f"{rate:g}", "--seconds", f"{seconds:g}"]
    argv += ["--posts", "200", "--json", str(out)]
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, timeout=300)
    result: dict[str, Any] = json.loads(out.read_text())
    _say(f"webhooks at {rate:g}/s: done")
    return result


def channels_run(args: argparse.Namespace, run_dir: Path) -> dict[str, Any] | None:
    """`bench/channels.py` (about 70 s), in its own processes: the delivery rows."""
    if not args.channels_rounds:
        return None
    out = run_dir / "channels.json"
    argv = [sys.executable, "-m", "bench.channels", "--rounds", str(args.channels_rounds)]
    argv += ["--rate", "50", "--json", str(out)]
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, timeout=600)
    result: dict[str, Any] = json.loads(out.read_text())
    _say("channels: done")
    return result


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def _raw(runs: list[Throughput], noop: Drain, band: Bandwidth, load: Load) -> dict[str, Any]:
    load_raw = asdict(load)
    load_raw["score"] = {k: v for k, v in load_raw["score"].items() if k != "pairs"}
    return {
        "throughput": [asdict(r) for r in runs],
        "noop": asdict(noop),
        "bandwidth": asdict(band),
        "load": load_raw,
    }


def assemble(
    args: argparse.Namespace, run: Run, info: dict[str, Any], seconds: float
) -> dict[str, Any]:
    from monitor.cli import processes

    worker = " ".join(processes.command("worker", {})[5:])
    system = (
        f"poll worker `celery {worker}`, notifier `--pool solo`, beat (phase 2), one Redis; "
        f"the simulator with {args.pages:,} pages on {args.hosts} loopback hosts "
        f"(every {args.incidentio_every}th page incident.io)"
    )
    notes = [
        "Throughput: a paused queue is filled, then drained; rate = tasks / (last − first "
        "completion), from the result backend's `date_done`. The bare loop sends the same GETs "
        "with the same validators from one thread and one `requests` session.",
        f"Phase 2 (beat on): every page response is delayed {args.latency * 1000:.0f} ms ± 50 % "
        "like a network round trip; phase 1 has no delay.",
        f"Schedule health counts the {run.load.clean_pages:,} pages on the "
        f"{args.hosts - args.flaky_hosts} hosts that never fault: back-off is per host, so a "
        "page sharing a host with a faulty page is skipped with it, by design.",
        "Detection lag: a publication's first printed line, time-stamped when the bench reads "
        "the notifier's stdout. A first sign is published with no line of its page printed in "
        "the 10 min before it (the page is polled at its interval); a follow-up after one (the "
        "page is active: polled every `interval_active`, 10 s, monitor/pace.py); a recovery is "
        "a component back to operational. 'From the GET that saw it': from the first 200 "
        "answer to the page's summary after the publication to the line (what the pipeline "
        "adds after the wait for a poll). Its tail is on hosts with injected faults only: "
        "there the first 200 after a publication can be a fault itself (truncated or "
        "oddly-typed JSON answered 200), so the host backs off and the line comes with the "
        "retry when the back-off ends (≥ Retry-After 10 s or the 5 s base, plus 0–5 s of "
        "spread); the same back-off holds a follow-up on those hosts for as long.",
        "Follow-ups and recoveries: on hosts without faults the wait for the next poll at "
        "`interval_active` (uniform 0–10 s: p50 5 s; 10 s is also the pages' max-age, pace.py's "
        "floor; a page's polls start at one offset within ±0.5 s of each due time) plus the "
        "pipeline (~0.25 s: the GET, then a Statuspage page's two history GETs side by side). "
        "Their tail is on the hosts with faults: back-off is per host, so a fault on any of a "
        "host's 100 pages skips the active page's 10 s polls too, and each skipped poll is "
        "retried when the back-off ends plus 0–5 s; faults in a row double it. Polling through "
        "it would ignore the host's Retry-After, so that tail stays, by design. Recoveries are "
        "few (15 or so, often in pairs published in the same instant as an update): their p50 "
        "moves by ±1.5 s between runs.",
        "Polls it cost: the adaptive schedule's summary GETs per second over the scenario "
        "run, beside what a fixed interval costs, read off the same run: the pages the "
        "scenario never touched (no publication, no fault) polled at their interval, per "
        "page, times every page.",
        "Redis commands: every command Redis executed, those run inside a Lua script too, "
        "per page polled (with its share of the Celery task's). Round trips of a 304 poll: "
        "alone 3 (the page's config, one script for back-off check + page lock + validators, "
        "one for release + count + the end of a change window; tests/test_poll_cost.py); in a "
        "`poll_pages` batch they are shared (monitor/pollbatch.py): one HMGET of the configs, "
        "one pipeline of the begins, and one pipeline of finishes per wave of polls that ended "
        "within 20 ms of each other, each pipeline with a SCRIPT EXISTS (tests/test_pollbatch.py).",
        "Bandwidth: the target is judged on body bytes, the part conditional requests can "
        "save. On the wire a 304 still costs its request and response headers (HTTP/1.1 "
        "sends them uncompressed every time); 95 % on the wire would need a page whose gzipped "
        "body is about 20 times those headers (~9 KB), while real summaries gzip to 0.7–3 KB "
        "(the shared captures). Only HTTP/2 header compression would move that floor.",
        "Short-lived: a component status held, or an incident open, for less than one "
        "interval. A poller sees states, not transitions: it may miss them by design. "
        "They are counted apart, not in 'missed'.",
        f"Scenario: {run.load.score.expected + run.load.score.short} publications over "
        f"{run.load.seconds:.0f} s: incident lifecycles (some with two updates half a second "
        "apart), component flaps, maintenances, renames; faults (429 + Retry-After, 5xx, slow, "
        "403 challenge, truncated JSON, reset) on the pages of "
        f"{args.flaky_hosts} hosts, some right after an update.",
    ]
    return {
        "rows": all_rows(run),
        "costs": cost_rows(run),
        "notes": notes,
        "system": system,
        "seconds": seconds,
        "versions": report.versions(info),
    }


if __name__ == "__main__":
    sys.exit(main())
