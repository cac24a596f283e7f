"""Channels' cost and lag: `python -m bench.channels [--events 300] [--rate 50] [--rounds 3]`.

Real Redis, poll worker (its `deliver` queue), notifier and beat; three channels (a signed
webhook, Slack, Discord) on loopback receivers that check what the real ones check.

- console: a burst of `--events` notify tasks, timed to the last printed line, with no
  channels and with the three (alternating, `--rounds` each): the notifier's throughput.
- lag: `--events` at `--rate` per second with the three channels: printed (the log's
  `printed_at`) to received by the webhook receiver, p50 / p99 / max.

Not part of `make bench` yet; it prints a small Markdown table.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from celery import Celery

from bench.procs import tree_cpu
from monitor import eventlog, store
from monitor.cli import redis_server
from monitor.events import StatusEvent, dedup_key
from tests.support import receivers
from tests.support.procs import Proc, celery_proc

SECRET = "whsec_" + base64.b64encode(b"bench-channels-signing-key").decode()
CHANNELS = """pages: []
channels:
  hook: {type: webhook, url: "%(url)s/hook", secret_env: HOOK_SECRET, rate: 1000, burst: 1000}
  slack: {type: slack, url_env: SLACK_WEBHOOK_URL, rate: 1000, burst: 1000}
  discord: {type: discord, url_env: DISCORD_WEBHOOK_URL, rate: 1000, burst: 1000}
"""
EVENT = StatusEvent(
    page_id="bench",
    page_name="Bench",
    provider="statuspage",
    kind="incident",
    product="Bench - API",
    status="investigating",
    status_raw="investigating",
    occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
    dedup_key="",
    body="Looking into it.",
    incident_id="i1",
)


class Run:
    """The system with (or without) the three channels, on its own Redis."""

    def __init__(self, with_channels: bool, tmp: Path) -> None:
        self.hooks = receivers.Receiver()
        self.hooks.on("/hook", receivers.standard_webhooks(SECRET))
        self.hooks.on("/slack", receivers.slack)
        self.hooks.on("/discord", receivers.discord)
        self.redis_server = redis_server.start(tmp / "redis", persist=False)
        pages = tmp / "pages.yaml"
        pages.write_text(CHANNELS % {"url": self.hooks.url} if with_channels else "pages: []\n")
        env = {
            **os.environ,
            "REDIS_URL": self.redis_server.url,
            "MONITOR_PAGES": str(pages),
            "MONITOR_DATA": str(tmp / "data"),
            "HOOK_SECRET": SECRET,
            "SLACK_WEBHOOK_URL": self.hooks.url + "/slack",
            "DISCORD_WEBHOOK_URL": self.hooks.url + "/discord",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        self.app = Celery("bench", broker=self.redis_server.url, set_as_current=False)
        self.app.config_from_object("celeryconfig")
        self.redis = store.connect(self.redis_server.url)
        self.procs: list[Proc] = [celery_proc(n, env, tmp).start() for n in ("worker", "notifier")]
        self.procs.append(celery_proc("beat", env, tmp).start())
        self.notifier = self.procs[1]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            replies = self.app.control.ping(timeout=0.5) or []
            if {"poll", "notifier"} <= {n.split("@")[0] for reply in replies for n in reply}:
                return
        raise RuntimeError("workers did not start")

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the notifier and of the worker (with its children)."""
        pids = [p.process.pid for p in self.procs[1::-1] if p.process is not None]
        return tree_cpu(pids[0]), tree_cpu(pids[1])

    def send(self, count: int, rate: float = 0) -> float:
        """Seconds from the first notify sent to the last line printed."""
        before, start = len(self.notifier.lines), time.time()
        for i in range(count):
            if rate:
                time.sleep(max(0.0, start + i / rate - time.time()))
            key = dedup_key("bench", "incident", "i1", f"{time.time_ns()}-{i}")
            event = replace(EVENT, dedup_key=key, update_id=key)
            self.app.send_task("statusmon.notify", (event.to_dict(),))
        self.notifier.wait_lines(before + 2 * count, timeout=600)
        return time.time() - start

    def lags(self, count: int) -> list[float]:
        got = self.hooks.wait("/hook", count, timeout=600)
        printed = {e.event.dedup_key: e.printed_at.timestamp() for e in eventlog.read(self.redis)}
        return sorted(r.at - printed[r.headers["webhook-id"]] for r in got)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.hooks.close()
        self.redis_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.channels")
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rates: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(args.rounds):
        for with_channels in (False, True):
            run = Run(with_channels, Path(tempfile.mkdtemp(prefix="statusmon-channels-")))
            try:
                before = run.cpu()
                rates[with_channels].append(args.events / run.send(args.events))
                if with_channels:
                    run.lags(args.events)  # every delivery done: the worker's CPU is theirs
                after = run.cpu()
                cpu[with_channels].append(
                    tuple((b - a) / args.events * 1000 for a, b in zip(before, after, strict=True))
                )
            finally:
                run.stop()
    run = Run(True, Path(tempfile.mkdtemp(prefix="statusmon-channels-")))
    try:
        run.send(args.events, args.rate)
        lags = run.lags(args.events)
    finally:
        run.stop()
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    p99 = lags[max(0, int(len(lags) * 0.99) - 1)]
    print("| figure | value |\n|---|---|")
    print(
        f"| console, burst of {args.events}, no channels (median of {args.rounds}) | "
        f"{off:.0f} events/s |"
    )
    print(f"| console, same, three channels | {on:.0f} events/s ({on / off:.0%}) |")
    for label, key in (("no channels", False), ("three channels", True)):
        notifier = statistics.median(c[0] for c in cpu[key])
        worker = statistics.median(c[1] for c in cpu[key])
        print(f"| CPU per event, {label}: notifier / worker | {notifier:.2f} / {worker:.2f} ms |")
    print(
        f"| delivery lag at {args.rate:g} events/s × 3 channels, p50 / p99 / max | "
        f"{statistics.median(lags) * 1000:.0f} / {p99 * 1000:.0f} / {lags[-1] * 1000:.0f} ms |"
    )


if __name__ == "__main__":
    main()
