"""Webhook → printed line while the board has viewers, on loopback: the real web process
(gunicorn, gevent workers, production argv), worker and notifier on a real Redis.

    python bench/board_webhooks.py [--rate 50] [--seconds 10] [--rounds 2] [--clients 500]
                                   [--json F]

POST → printed line (p50/p99, as bench/webhook.py measures it) at `--rate` webhooks/s, in
`--rounds` alternating rounds: a phase with no SSE client; then `--clients` connected to
/api/v1/stream (their own process, one asyncio loop; every printed event is sent to each of
them) for two phases, first with that load generator at the system's priority, then reniced
to `NICE` (it stands for browsers on other machines, which take no CPU from this one); and a
last phase with no client. Each condition's samples are pooled over the rounds, so the
machine's drift falls on both sides; the target is a p99 with clients within 20 % of the
p99 without.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.board_load import viewers  # noqa: E402
from bench.procs import stop_all  # noqa: E402
from bench.webhook import PAGES, Lines, paced, payload, pct, post, printed, setup, start, wait_http  # noqa: E402  # noqa: E402
from monitor.cli import processes, redis_server  # noqa: E402
from monitor.config import load_pages  # noqa: E402
from monitor.registry import sync_pages  # noqa: E402
from monitor.store import connect  # noqa: E402
from tests.paths import FIXTURES  # noqa: E402

TARGET = 1.2  # p99 with clients / p99 without
NICE = 10  # the load generator's, in the second run with clients


def renice(pid: int, nice: int) -> None:
    """Every thread of process `pid` to `nice` (Linux: a nice value is per thread)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        os.setpriority(os.PRIO_PROCESS, int(tid), nice)


def run(rate: float, seconds: float, clients: int, rounds: int = 2) -> dict[str, Any]:
    tmp, redis, pages, env = setup("statusmon-bench-board-webhooks-")
    sync_pages(connect(redis.url), load_pages(tmp / "pages.yaml"), time.time())
    port = redis_server.free_port()
    env["PORT"] = str(port)
    children: list[subprocess.Popen[bytes]] = []
    try:
        children.append(start(processes.command("web", env), env, tmp / "web.log"))
        children.append(start(processes.command("worker", env), env, tmp / "worker.log"))
        notifier = start(processes.command("notifier", env), env, tmp / "notifier.log", -1)
        children.append(notifier)
        lines = Lines(notifier)
        web = f"http://127.0.0.1:{port}"
        wait_http(f"{web}/health", timeout=120)
        base = json.loads((FIXTURES / "statuspage/webhook-incident-created-zulip.json").read_text())
        count = int(rate * seconds)

        def phase(name: str, n: int = count) -> list[float]:
            send = lambda i: post(web, PAGES[i % len(PAGES)], payload(base, name, i))  # noqa: E731
            return printed(lines, name, paced(n, rate, send))

        phase("u", max(10, count // 10))  # warm: every process has served a few
        without: list[float] = []
        during: list[float] = []
        niced: list[float] = []
        frames: list[int] = []
        for k in range(rounds):  # alternating: the machine's drift falls on both sides

            def with_clients(generator: int, k: int = k) -> tuple[list[float], list[float]]:
                plain = phase(f"v{k}")
                if generator:
                    renice(generator, NICE)
                return plain, phase(f"n{k}")

            without += phase(f"a{k}")
            (v, n), got = viewers(port, clients, with_clients, lambda r: sum(map(len, r)))
            during, niced, frames = during + v, niced + n, frames + got
        without += phase("z")
    finally:
        stop_all(children)
        pages.close()
        redis.stop()
    return {
        "rate": rate,
        "posts": count,
        "clients": clients,
        "without_ms": [round(pct(without, q), 1) for q in (50, 99)],
        "with_ms": [round(pct(during, q), 1) for q in (50, 99)],
        "niced_ms": [round(pct(niced, q), 1) for q in (50, 99)],
        "nice": NICE,
        "rounds": rounds,
        "printed": [len(without), len(during), len(niced)],
        "frames_min": min(frames) if frames else 0,  # each client should get every event
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/board_webhooks.py", description=__doc__)
    p.add_argument("--rate", type=float, default=50.0)
    p.add_argument("--seconds", type=float, default=10.0)
    # two rounds: 1,000 posts with clients at 50/s (a p99 is the 10th worst), 1,500 without
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    result = run(args.rate, args.seconds, args.clients, args.rounds)
    if args.json:
        args.json.write_text(json.dumps(result))
    print(json.dumps(result))
    return 0


def rows(result: dict[str, Any] | None) -> list[str]:
    """The board section's rows of this measure (docs/benchmarks.md, via bench/board.py)."""
    if not result:
        return []
    a, b = result["without_ms"], result["with_ms"]
    ok = b[1] <= TARGET * a[1]
    rows = [
        f"| webhook → printed line at {result['rate']:g}/s ({result['posts']} posts a phase, "
        f"{result.get('rounds', 1)} rounds alternating with and without clients), "
        f"{result['clients']} SSE clients connected (each got ≥ {result['frames_min']} frames), "
        f"their load generator at the system's priority "
        f"| {b[0]:.0f} ms | {b[1]:.0f} ms "
        f"| p99 within 20 % of the phases without clients: {'met' if ok else 'missed'} "
        f"({b[1] / a[1]:.2f}×) |",
    ]
    if "niced_ms" in result:
        n = result["niced_ms"]
        rows.append(
            f"| the same, the load generator at nice {result['nice']} (it stands for browsers "
            f"on other machines) | {n[0]:.0f} ms | {n[1]:.0f} ms "
            f"| {'met' if n[1] <= TARGET * a[1] else 'missed'} ({n[1] / a[1]:.2f}×) |"
        )
    return rows + [
        f"| the same, no SSE client (each round's first phase, and a last one: the baseline) "
        f"| {a[0]:.0f} ms | {a[1]:.0f} ms | — |",
    ]


def webhooks_run(run_dir: Path) -> dict[str, Any] | None:
    """This benchmark in its own processes, for `make bench` (bench/board.py's board_run)."""
    out = run_dir / "board-webhooks.json"
    argv = [sys.executable, "bench/board_webhooks.py", "--json", str(out)]
    subprocess.run(argv, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, timeout=900)
    return json.loads(out.read_text()) if out.exists() else None


if __name__ == "__main__":
    sys.exit(main())
