"""The board's benchmark on loopback: the real web process (gunicorn, gevent workers, the
production argv) on a real Redis holding 10,000 watched pages.

    python bench/board.py [--clients 500] [--events 40] [--rate 10] [--pages 10000] [--json F]

Measures, in one run:
- SSE fan-out: `--clients` connections to /api/v1/stream (one asyncio load generator); events
  are appended to the event log as the notifier appends them (monitor.eventlog's Recorder) at
  `--rate`/s; latency = a frame's arrival at a client − the append, over every (client,
  event) pair (p50/p99); every client must get every event once;
- board `GET /` with `--pages` pages watched (10 in trouble): answer time p50/p99 over
  `--gets` requests, one every 50 ms (from a process of their own), while the clients are
  connected and events arrive, and half as many before, with no clients; after one untimed
  request (a worker's first board is built while its first viewer waits).
Prints a markdown table; `--json` writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TypeVar

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.board_load import fan_out, sampled  # noqa: E402
from bench.board_webhooks import rows as webhook_rows  # noqa: E402
from bench.board_webhooks import webhooks_run  # noqa: E402
from monitor import keys, store  # noqa: E402
from monitor.cli import processes, redis_server  # noqa: E402
from monitor.pages import PageConfig  # noqa: E402
from monitor.registry import sync_pages  # noqa: E402
from monitor.state import ComponentState, PageState  # noqa: E402
from tests.support.procs import Proc  # noqa: E402

T = TypeVar("T")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def fill(r: store.Redis, count: int) -> None:
    pages = [
        PageConfig(f"p{n}", f"Vendor {n}", f"https://p{n}.example.invalid/") for n in range(count)
    ]
    sync_pages(r, pages, time.time())
    with r.pipeline(transaction=False) as p:
        for n, page in enumerate(pages):
            bad = n % (count // 10 or 1) == 0 and n // (count // 10 or 1) < 10
            st = "partial_outage" if bad else "operational"
            state = PageState("statuspage", components={
                f"c{i}": ComponentState(st if i == 0 else "operational", st, f"Component {i}")
                for i in range(5)
            })  # fmt: skip
            p.set(keys.state(page.id), state.to_json())
            p.hset(keys.POLLED_AT, page.id, time.time())
        p.execute()
    for role in keys.ROLES:
        store.heartbeat(r, role)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/board.py", description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--events", type=int, default=40)
    p.add_argument("--rate", type=float, default=10.0)
    p.add_argument("--pages", type=int, default=10_000)
    p.add_argument("--gets", type=int, default=200)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="statusmon-bench-board-"))
    server = redis_server.start(folder / "redis", persist=False)
    web = None
    try:
        r = store.connect(server.url)
        fill(r, args.pages)
        (folder / "pages.yaml").write_text("pages: []\n")
        port = redis_server.free_port()
        env = {**os.environ, "REDIS_URL": server.url, "PORT": str(port), "LOG_LEVEL": "WARNING",
               "MONITOR_PAGES": str(folder / "pages.yaml")}  # fmt: skip
        web = Proc("web", processes.command("web", env), env, folder).start()
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # a worker still booting
                if time.monotonic() > deadline:
                    raise SystemExit(f"web did not start:\n{web.log_tail()}") from None
                time.sleep(0.2)
        requests.get(f"http://127.0.0.1:{port}/", timeout=30)  # the first board (not timed)
        idle, _ = sampled(port, args.gets // 2, None)
        gets, result = sampled(
            port,
            args.gets,
            lambda: asyncio.run(fan_out(port, args.clients, r, args.events, args.rate)),
        )
    finally:
        if web is not None:
            web.stop()
        server.stop()
    assert result is not None
    lags = result.pop("lags")
    result |= {
        "pages": args.pages,
        "fanout_ms": [round(percentile(lags, q) * 1000, 1) for q in (50, 99)],
        "board_ms": [round(percentile(gets, q) * 1000, 1) for q in (50, 99)],
        "board_idle_ms": [round(percentile(idle, q) * 1000, 1) for q in (50, 99)],
        "deliveries": len(lags),
        "mean_lag_ms": round(statistics.fmean(lags) * 1000, 1) if lags else None,
    }
    if args.json:
        args.json.write_text(json.dumps(result))
    print(json.dumps(result))
    return 0 if result["missing"] == 0 else 1


def board_run(run_dir: Path) -> dict[str, Any]:
    """This benchmark in its own processes (its own Redis and web process), for `make bench`."""
    out = run_dir / "board.json"
    argv = [sys.executable, "bench/board.py", "--json", str(out)]
    subprocess.run(argv, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, timeout=600)
    result: dict[str, Any] = json.loads(out.read_text())
    result["webhooks"] = webhooks_run(run_dir)  # bench/board_webhooks.py: its own system
    return result


def section(result: dict[str, Any] | None) -> list[str]:
    """The board's rows of docs/benchmarks.md."""
    if not result:
        return []
    fan, board, idle = result["fanout_ms"], result["board_ms"], result["board_idle_ms"]
    ok = fan[1] < 1000 and result["missing"] == 0
    return [
        "## The board",
        "",
        f"`bench/board.py`: the web process (gunicorn, gevent workers, production argv) on a "
        f"Redis holding {result['pages']:,} watched pages (10 in trouble); "
        f"{result['clients']} SSE clients on /api/v1/stream (one asyncio load generator on "
        f"loopback); {result['events']} events appended to the event log as the notifier "
        "appends them, 10 per second; `GET /` every 50 ms meanwhile (a process of its own, "
        "after one untimed request). `bench/board_webhooks.py`: webhooks → printed lines at a "
        "fixed rate on the web process, worker and notifier, with and without SSE clients. "
        "A web worker answers each stream's request and hands the connection to the web "
        "process's stream process (monitor/web/streamer.py, WEB_STREAM_NICE = 10 below the "
        "workers), which reads the event log once for all clients and sends each the "
        "same bytes; after a read that brought events it gathers for 0.25 s "
        "(monitor/web/stream.py `WINDOW`), so at 50 events/s a client gets at most 4 writes a "
        "second (frames wait at most 0.25 s: the fan-out row). The load generator stands for "
        "browsers on other machines but runs on this one, on the same 2 cores: the webhook "
        "rows give the figure with it at the system's priority and, apart, at nice 10.",
        "",
        "| measure | p50 | p99 | target |",
        "|---|---|---|---|",
        f"| event appended → frame at each of {result['clients']} clients "
        f"({result['deliveries']:,} deliveries, {result['missing']} missed) "
        f"| {fan[0]:.0f} ms | {fan[1]:.0f} ms | p99 < 1 s: {'met' if ok else 'missed'} |",
        f"| board `GET /`, {result['pages']:,} pages, while the clients are fed "
        f"| {board[0]:.0f} ms | {board[1]:.0f} ms "
        f"| p99 < 100 ms: {'met' if board[1] < 100 else 'missed'} |",
        f"| board `GET /`, {result['pages']:,} pages, no clients "
        f"| {idle[0]:.0f} ms | {idle[1]:.0f} ms | — |",
        *webhook_rows(result.get("webhooks")),
        "",
    ]


if __name__ == "__main__":
    sys.exit(main())
