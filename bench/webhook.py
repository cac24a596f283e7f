"""Webhook ingress benchmark on loopback: gunicorn + the real app + real Redis + real workers.

    python bench/webhook.py [--posts 400] [--rate 15] [--seconds 10] [--concurrency 4]

Measures, in one run, each against a raw baseline measured the same way (ratio = ours/theirs):
- requests/s of the web tier: signed webhooks posted by `--concurrency` clients as fast as they
  go, before the workers start (the tasks queue up), against a no-op Flask endpoint served by
  the same gunicorn command; the backlog is then printed, and checked, once each;
- HTTP answer time (p50/p99) at `--rate` posts/s, against the same no-op endpoint;
- POST → printed line (p50/p99) at `--rate`, against a notify task enqueued directly
  (Celery → notifier → line), the floor under the webhook path.
Every posted update must be printed exactly once; the script warns if one is not. It stops by
itself (bounded counts and timeouts; about a minute) and prints a markdown table.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from flask import Flask, request

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.procs import stop_all, tree_cpu  # noqa: E402
from monitor.cli import processes, redis_server  # noqa: E402
from monitor.signing import sign_hex  # noqa: E402
from tests.paths import FIXTURES  # noqa: E402
from tests.support.pageserver import PageServer  # noqa: E402

SECRET = "bench-secret-of-at-least-32-bytes!"  # MIN_HMAC_SECRET
PAGES = ["bench0", "bench1", "bench2", "bench3"]
MARK = re.compile(r"bench (\w+)-(\d+)")


def noop_app() -> Flask:
    """The baseline: reads the body and answers 202, nothing else."""
    app = Flask("noop")

    @app.post("/webhook/<page_id>")
    def webhook(page_id: str) -> tuple[dict[str, str], int]:
        request.get_data(cache=True)
        return {"status": "accepted", "page": page_id}, 202

    return app


class Lines:
    """The notifier's status stream, each marked line with the time it arrived."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.seen: dict[str, list[float]] = {}
        self.changed = threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            found = MARK.search(raw.decode("utf-8", "replace"))
            if found:
                with self.changed:
                    self.seen.setdefault(found.group(0), []).append(time.monotonic())
                    self.changed.notify_all()

    def wait(self, marks: list[str], timeout: float) -> None:
        with self.changed:
            self.changed.wait_for(lambda: all(m in self.seen for m in marks), timeout)


def payload(base: dict[str, Any], phase: str, n: int) -> bytes:
    """The real Zulip incident capture, carrying one new update marked `bench <phase>-<n>`."""
    data = copy.deepcopy(base)
    incident = data["incident"]
    update = copy.deepcopy(incident["incident_updates"][0])
    stamp = datetime.now(UTC).isoformat()
    update.update(id=f"{phase}{n:06d}", body=f"bench {phase}-{n}", created_at=stamp)
    update["display_at"] = stamp
    incident.update(id="benchincident", name="Bench incident", incident_updates=[update])
    return json.dumps(data).encode()


def start(argv: list[str], env: dict[str, str], log: Path, out: int | None = None) -> Any:
    """A child process; `out=-1` (subprocess.PIPE) keeps its stdout for reading."""
    with open(log, "ab") as err:
        return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out or err, stderr=err)


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer in {timeout}s")


def blast(url: str, bodies: list[tuple[str, bytes]], concurrency: int) -> tuple[float, int]:
    """Post everything as fast as `concurrency` clients go: (requests/s, non-202 answers)."""
    queue = list(reversed(bodies))
    lock, bad = threading.Lock(), [0]

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                page, body = queue.pop()
            if post(url, page, body) != 202:
                with lock:
                    bad[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(bodies) / (time.monotonic() - started), bad[0]


def post(url: str, page: str, body: bytes, took: list[float] | None = None) -> int:
    """One request on a fresh connection (gunicorn's sync workers close each one anyway)."""
    headers = {"Content-Type": "application/json", "X-Signature": sign_hex(SECRET.encode(), body)}
    started = time.monotonic()
    status = requests.post(f"{url}/webhook/{page}", data=body, headers=headers, timeout=10)
    if took is not None:
        took.append((time.monotonic() - started) * 1000)
    return status.status_code


def paced(count: int, rate: float, send: Callable[[int], object]) -> dict[int, float]:
    """Send `count` items at `rate`/s, open loop; the monotonic time each one was sent."""
    sent: dict[int, float] = {}
    with ThreadPoolExecutor(max_workers=64) as pool:  # open loop: never the bottleneck
        t0 = time.monotonic()
        for n in range(count):
            time.sleep(max(0.0, t0 + n / rate - time.monotonic()))
            sent[n] = time.monotonic()
            pool.submit(send, n)
    return sent


def printed(lines: Lines, phase: str, sent: dict[int, float]) -> list[float]:
    """Milliseconds from send to printed line; warns unless each was printed exactly once."""
    marks = {n: f"bench {phase}-{n}" for n in sent}
    lines.wait(list(marks.values()), timeout=90)
    missing = [m for m in marks.values() if len(lines.seen.get(m, [])) != 1]
    if missing:
        print(f"warning: {len(missing)} {phase} updates not printed exactly once", file=sys.stderr)
    return [(lines.seen[m][0] - sent[n]) * 1000 for n, m in marks.items() if m in lines.seen]


def pct(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] if values else float("nan")
    )


@dataclass
class WebhookRun:
    posts: int
    concurrency: int
    rate: float
    paced: int
    web_rps: float
    noop_rps: float
    web_http: list[float]  # ms, HTTP answer of the real app at `rate`
    noop_http: list[float]  # ms, the same of a no-op Flask endpoint
    web_ms: list[float]  # ms, POST -> printed line
    base_ms: list[float]  # ms, notify task sent -> printed line
    cpu: dict[str, float]  # CPU seconds per process over the paced webhooks
    refused: int
    drained: int

    def table(self) -> list[str]:
        rows = [
            "| measure | webhook path | baseline | ratio |",
            "|---|---|---|---|",
            row("requests/s, web tier", self.web_rps, self.noop_rps, NOOP, "{:.0f}"),
        ]
        for q in (50, 99):
            w, b = pct(self.web_http, q), pct(self.noop_http, q)
            rows.append(row(f"HTTP answer p{q}", w, b, NOOP, "{:.1f} ms"))
        for q in (50, 99):
            w, b = pct(self.web_ms, q), pct(self.base_ms, q)
            rows.append(row(f"POST → printed line p{q}", w, b, "notify task → line", "{:.1f} ms"))
        return rows

    def cpu_per_webhook(self) -> str:
        return ", ".join(f"{n} {s * 1000 / self.paced:.1f} ms" for n, s in self.cpu.items())


NOOP = "no-op Flask, same gunicorn"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=400, help="posts per throughput run")
    parser.add_argument("--rate", type=float, default=15.0, help="posts/s in the latency runs")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of a latency run")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args()
    r = run(args.posts, args.rate, int(args.rate * args.seconds), args.concurrency)
    if args.json:
        args.json.write_text(json.dumps(asdict(r)))
    print(f"\n{r.posts} posts × {r.concurrency} clients; {r.paced} at {r.rate:g}/s\n")
    print("\n".join(r.table()))
    print(f"\nCPU per webhook at {r.rate:g}/s: {r.cpu_per_webhook()}")
    if r.refused or r.drained != r.posts:
        print(f"\n{r.refused} posts not answered 202; {r.drained}/{r.posts} backlog printed")


def setup(prefix: str) -> tuple[Path, redis_server.RedisServer, PageServer, dict[str, str]]:
    """A folder, a Redis, a page server (no summary.json: each hint poll is one quick 404),
    a pages.yaml of the webhook pages, and the processes' environment."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    redis = redis_server.start(tmp / "redis", persist=False)
    pages = PageServer()
    hook = {"kind": "statuspage", "webhook": {"secrets": [SECRET]}}
    listed = [{"id": p, "name": "Bench", "url": pages.url, **hook} for p in PAGES]
    (tmp / "pages.yaml").write_text(json.dumps({"pages": listed}))
    env = {**os.environ, "REDIS_URL": redis.url, "MONITOR_PAGES": str(tmp / "pages.yaml")}
    env |= {"WEBHOOK_RATE_LIMIT": "1000000/minute", "LOG_LEVEL": "WARNING", "POLL_CONCURRENCY": "4"}
    return tmp, redis, pages, env


def run(posts: int, rate: float, paced_count: int, concurrency: int) -> WebhookRun:
    tmp, redis, pages, env = setup("statusmon-bench-")
    os.environ.update(REDIS_URL=redis.url, MONITOR_PAGES=str(tmp / "pages.yaml"))
    from monitor.config import load_pages
    from monitor.events import StatusEvent, dedup_key
    from monitor.registry import sync_pages
    from monitor.store import connect
    from workers.tasks import notify

    client = connect(redis.url)
    sync_pages(client, load_pages(tmp / "pages.yaml"), time.time())
    web_port, noop_port = redis_server.free_port(), redis_server.free_port()
    noop_argv = processes.command("web", {**env, "PORT": str(noop_port)})[:-1]
    children = [
        start(processes.command("web", {**env, "PORT": str(web_port)}), env, tmp / "web.log"),
        start([*noop_argv, "bench.webhook:noop_app()"], env, tmp / "noop.log"),
    ]
    try:
        web, noop = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{noop_port}"
        wait_http(f"{web}/health")
        wait_http(f"{noop}/health")
        base = json.loads((FIXTURES / "statuspage/webhook-incident-created-zulip.json").read_text())

        def bodies(phase: str, count: int) -> list[tuple[str, bytes]]:
            return [(PAGES[n % len(PAGES)], payload(base, phase, n)) for n in range(count)]

        # 1. The web tier alone: the workers are not started yet, so tasks queue up.
        noop_rps, _ = blast(noop, bodies("n", posts), concurrency)
        web_rps, refused = blast(web, bodies("t", posts), concurrency)
        children.append(start(processes.command("worker", env), env, tmp / "worker.log"))
        notifier = start(processes.command("notifier", env), env, tmp / "notifier.log", -1)
        children.append(notifier)
        lines = Lines(notifier)
        drained = printed(lines, "t", {n: 0.0 for n in range(posts)})  # the backlog, once each
        # 2. POST -> printed line at a bounded rate, against a notify task sent directly.
        roles = {"web": children[0], "worker": children[2], "notifier": notifier}
        cpu = {name: tree_cpu(child.pid) for name, child in roles.items()}
        cpu |= {"redis": tree_cpu(redis.process.pid), "sender": time.process_time()}
        web_http: list[float] = []
        web_sent = paced(
            paced_count,
            rate,
            lambda n: post(web, PAGES[n % len(PAGES)], payload(base, "w", n), web_http),
        )
        web_ms = printed(lines, "w", web_sent)
        cpu = {n: tree_cpu(c.pid) - cpu[n] for n, c in roles.items()} | {
            "redis": tree_cpu(redis.process.pid) - cpu["redis"],
            "sender": time.process_time() - cpu["sender"],
        }
        noop_http: list[float] = []
        paced(paced_count, rate, lambda n: post(noop, "p", payload(base, "p", n), noop_http))

        def enqueue(n: int) -> None:
            key = dedup_key("bench-base", "incident", "base", str(n))
            event = StatusEvent(
                "bench-base", "Bench", "statuspage", "incident", "Bench - baseline",
                "identified", "identified", datetime.now(UTC), key, body=f"bench b-{n}",
            )  # fmt: skip
            notify.apply_async((event.to_dict(),))

        base_ms = printed(lines, "b", paced(paced_count, rate, enqueue))
        return WebhookRun(
            posts, concurrency, rate, paced_count, web_rps, noop_rps, web_http, noop_http,
            web_ms, base_ms, cpu, refused, len(drained),
        )  # fmt: skip
    finally:
        stop_all(children)
        pages.close()
        redis.stop()


def row(measure: str, ours: float, theirs: float, baseline: str, fmt: str) -> str:
    a, b = fmt.format(ours), fmt.format(theirs)
    return f"| {measure} | {a} | {b} ({baseline}) | {ours / theirs:.2f} |"


if __name__ == "__main__":
    main()
