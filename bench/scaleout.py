"""Scale-out: polls/s with 1, 2 and 3 poll worker processes of one pool slot each, against a
backlog, and the share of the polls each worker ran.

The pages answer after a simulated network latency (--latency, like a real status page's), so
a poll waits on the network as it does in production; each worker is the production command
(`statusmon proc worker`: POLL_POOL=solo, POLL_CONCURRENCY=1) with its own node name. The
backlog (`--rounds` polls of every page, one `statusmon.poll` each) is queued while the
workers consume nothing, then all of them start consuming at once; the rate is from the first
to the last completion. Who ran what comes from each worker's "succeeded" log lines.

    python -m bench.scaleout [--pages 100] [--rounds 3] [--latency 0.1] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.measure import wait_results
from bench.procs import Child, simulator
from monitor import store
from monitor.cli import processes, redis_server
from monitor.config import load_pages
from monitor.registry import sync_pages


@dataclass
class Run:
    workers: int
    polls: int
    seconds: float
    shares: list[int]  # polls each worker ran

    @property
    def rate(self) -> float:
        return self.polls / self.seconds

    def lowest_share(self) -> float:
        """The smallest worker's polls over the mean (1.0: perfectly even)."""
        return min(self.shares) / (sum(self.shares) / len(self.shares))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.scaleout", description=__doc__)
    p.add_argument("--pages", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3, help="polls of every page in the backlog")
    p.add_argument("--latency", type=float, default=0.1, help="mean seconds per page response")
    p.add_argument("--workers", default="1,2,3")
    p.add_argument("--out", type=Path, help="append the table here (markdown)")
    p.add_argument(
        "--light",
        type=float,
        metavar="SECONDS",
        help="instead: beat on, pages every 5 s, for this long; each worker's share of the polls",
    )
    args = p.parse_args(argv)
    run_dir = Path(tempfile.mkdtemp(prefix="statusmon-scaleout-"))
    print(f"scale-out: files in {run_dir}", file=sys.stderr)
    redis = redis_server.start(run_dir / "redis", persist=False)
    env = {
        **os.environ,
        "REDIS_URL": redis.url,
        "MONITOR_PAGES": str(run_dir / "pages.yaml"),
        "MONITOR_DATA": str(run_dir / "data"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "POLL_POOL": "solo",
        "POLL_CONCURRENCY": "1",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ["REDIS_URL"] = redis.url  # before workers.* imports celeryconfig
    sim_args = ["--pages", str(args.pages), "--hosts", "4", "--latency", str(args.latency)]
    sim_args += ["--interval", "5"]
    sim, _ = simulator([*sim_args, "--pages-file", env["MONITOR_PAGES"]], env, run_dir)
    r = store.connect(redis.url)
    pages = load_pages(env["MONITOR_PAGES"])
    sync_pages(r, pages, time.time())
    try:
        if args.light:
            shares = light(3, env, run_dir, args.light)
            print(f"light load, {args.light:.0f} s: poll tasks per worker {shares}")
            return 0
        runs = []
        warm = measure(1, [pg.id for pg in pages], env, run_dir / "warm")  # first fetches, off
        print(f"warm-up: {warm.polls} first polls in {warm.seconds:.1f}s", file=sys.stderr)
        for n in [int(w) for w in args.workers.split(",")]:
            ids = [pg.id for _ in range(args.rounds) for pg in pages]
            runs.append(measure(n, ids, env, run_dir / f"w{n}"))
            print(row(runs[-1], runs[0]), file=sys.stderr)
    finally:
        sim.stop()
        r.close()
        redis.stop()
    text = table(runs, args)
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as out:
            out.write(text)
    return 0


def measure(n: int, page_ids: list[str], env: dict[str, str], log_dir: Path) -> Run:
    """n workers, each consuming nothing until the whole backlog is queued."""
    from workers.celery_app import app
    from workers.tasks import poll

    log_dir.mkdir()
    names = [f"poll{i}" for i in range(n)]
    workers = [Child(name, _argv(name, env), env, log_dir) for name in names]
    try:
        nodes = _wait_up(app, names)
        app.control.cancel_consumer("poll", destination=nodes, reply=True, timeout=10)
        ids = [poll.apply_async((page_id,)).id for page_id in page_ids]
        app.control.add_consumer("poll", destination=nodes, reply=True, timeout=10)
        metas = wait_results(store.connect(env["REDIS_URL"]), ids)
    finally:
        for w in workers:
            w.stop()
    done = sorted(_epoch(m["date_done"]) for m in metas)
    shares = [_succeeded(log_dir / f"{name}.log") for name in names]
    return Run(n, len(ids), done[-1] - done[0], shares)


def light(n: int, env: dict[str, str], run_dir: Path, seconds: float) -> list[int]:
    """n workers as compose runs them (threads, POLL_BATCH pages per task) and beat ticking."""
    from workers.celery_app import app

    names = [f"poll{i}" for i in range(n)]
    light_env = {**env, "POLL_POOL": "threads", "POLL_CONCURRENCY": "8"}
    workers = [Child(name, _argv(name, light_env), light_env, run_dir) for name in names]
    try:
        _wait_up(app, names)
        beat = Child("beat", processes.command("beat", env), env, run_dir)
        time.sleep(seconds)
        beat.stop()
    finally:
        for w in workers:
            w.stop()
    return [_succeeded(run_dir / f"{name}.log", "statusmon.poll_pages") for name in names]


def _argv(name: str, env: dict[str, str]) -> list[str]:
    argv = processes.command("worker", env)
    argv[argv.index("-n") + 1] = f"{name}@%h"
    return argv


def _wait_up(app: object, names: list[str], timeout: float = 120) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []  # type: ignore[attr-defined]
        nodes = [node for reply in replies for node in reply]
        if {node.split("@")[0] for node in nodes} >= set(names):
            return [node for node in nodes if node.split("@")[0] in names]
    raise RuntimeError(f"workers {names} not up in {timeout}s")


def _succeeded(log: Path, task: str = "statusmon.poll") -> int:
    count = 0
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            message = str(json.loads(line).get("message", ""))
            count += message.startswith(f"Task {task}[") and " succeeded in " in message
    return count


def _epoch(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()


def row(run: Run, one: Run) -> str:
    share = " / ".join(f"{100 * s / sum(run.shares):.0f} %" for s in run.shares)
    return (
        f"| {run.workers} | {run.polls} | {run.seconds:.1f} | {run.rate:.1f} | "
        f"{run.rate / one.rate:.2f}× | {share} | {run.lowest_share():.2f} |"
    )


def table(runs: list[Run], args: argparse.Namespace) -> str:
    head = (
        f"\n### Scale-out: poll workers of one pool slot each (`python -m bench.scaleout`)\n\n"
        f"{args.pages} pages answering after {args.latency:.2f} s on average (±50 %), "
        f"{args.rounds} polls of each queued before any worker consumes; one `statusmon.poll` "
        f"per page (POLL_POOL=solo, POLL_CONCURRENCY=1).\n\n"
        "| workers | polls | seconds | polls/s | vs 1 | share of each worker | "
        "lowest share / mean |\n|---|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(row(run, runs[0]) for run in runs) + "\n"


if __name__ == "__main__":
    sys.exit(main())
