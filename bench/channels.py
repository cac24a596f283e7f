"""Channels' cost to the console and their lag: `python -m bench.channels [--json FILE]`.

Two copies of the system run side by side, each on its own Redis: poll worker, deliverer (the
`deliver` queue), notifier, beat and the web process (gunicorn), with four webhook pages. One
has three channels (a signed webhook, Slack, Discord) on loopback receivers that check what the
real ones check; the other none. Each figure alternates between them, so both see the same
machine:

- console: bursts of `--events` notify tasks, timed to the last printed line (`--bursts` a
  round, `--rounds` each, every delivery done before the next burst): the notifier's
  throughput, and the CPU per event of the notifier, the deliverer, Redis and the loopback
  receivers;
- webhooks: signed Statuspage webhooks POSTed at `--rate` per second for `--seconds`
  (`--rounds` each), POST → printed line;
- delivery lag: the channels' copy's webhook events, printed (the log's `printed_at`) to
  received by the webhook receiver.

Part of `make bench` (bench/run.py writes its rows with bench.channels_rows).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from celery import Celery

from bench.channels_rows import section
from bench.procs import Child, celery, tree_cpu
from bench.webhook import MARK, PAGES, paced, payload, post, wait_http
from bench.webhook import SECRET as PAGE_SECRET
from monitor import eventlog, keys, store
from monitor.cli import processes, redis_server
from monitor.events import StatusEvent, dedup_key
from tests.paths import FIXTURES
from tests.support import receivers
from tests.support.pageserver import PageServer

SECRET = "whsec_" + base64.b64encode(b"bench-channels-signing-key").decode()
CHANNELS = {
    "hook": {"type": "webhook", "url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"},
    "slack": {"type": "slack", "url_env": "SLACK_WEBHOOK_URL"},
    "discord": {"type": "discord", "url_env": "DISCORD_WEBHOOK_URL"},
}
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
WEBHOOK = json.loads((FIXTURES / "statuspage/webhook-incident-created-zulip.json").read_text())


class System:
    """The system with (or without) the three channels, on its own Redis."""

    def __init__(self, with_channels: bool, tmp: Path) -> None:
        self.with_channels = with_channels
        tmp.mkdir(parents=True)
        self.hooks = receivers.Receiver()
        self.hooks.on("/hook", receivers.standard_webhooks(SECRET))
        self.hooks.on("/slack", receivers.slack)
        self.hooks.on("/discord", receivers.discord)
        self.redis_server = redis_server.start(tmp / "redis", persist=False)
        self.pageserver = PageServer()  # no summary.json: each hint poll is one quick 404
        hook = {"kind": "statuspage", "webhook": {"secrets": [PAGE_SECRET]}}
        pages: dict[str, Any] = {
            "pages": [{"id": p, "name": "Bench", "url": self.pageserver.url, **hook} for p in PAGES]
        }
        if with_channels:  # rate: far above a burst's, so the bench measures sending, not waits
            pages["channels"] = {n: {**c, "rate": 1000, "burst": 1000} for n, c in CHANNELS.items()}
        (tmp / "pages.yaml").write_text(json.dumps(pages))
        port = redis_server.free_port()
        self.web = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "REDIS_URL": self.redis_server.url,
            "MONITOR_PAGES": str(tmp / "pages.yaml"),
            "MONITOR_DATA": str(tmp / "data"),
            "HOOK_URL": self.hooks.url + "/hook",
            "HOOK_SECRET": SECRET,
            "SLACK_WEBHOOK_URL": self.hooks.url + "/slack",
            "DISCORD_WEBHOOK_URL": self.hooks.url + "/discord",
            "WEBHOOK_RATE_LIMIT": "1000000/minute",
            "LOG_LEVEL": "WARNING",
            "PORT": str(port),
            "PYTHONUNBUFFERED": "1",
        }
        self.app = Celery("bench", broker=self.redis_server.url, set_as_current=False)
        self.app.config_from_object("celeryconfig")
        self.redis = store.connect(self.redis_server.url)
        from monitor.config import load_pages
        from monitor.registry import sync_pages

        sync_pages(self.redis, load_pages(tmp / "pages.yaml"), time.time())
        self.deliverer, self.notifier = (
            celery(n, self.env, tmp) for n in ("deliverer", "notifier")
        )
        self.children = [celery("worker", self.env, tmp), self.deliverer, self.notifier]
        self.children.append(celery("beat", self.env, tmp))
        self.children.append(Child("web", processes.command("web", self.env), self.env, tmp))

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = self.app.control.ping(timeout=0.5) or []
            if {"poll", "deliver", "notifier"} <= {n.split("@")[0] for r in replies for n in r}:
                wait_http(self.web + "/health", deadline - time.monotonic())
                return
        raise RuntimeError("workers did not start")

    def cpu(self) -> tuple[float, ...]:
        """CPU seconds so far of the notifier, the deliverer, Redis and this process (the
        loopback receivers, which stand for remote services, and the sending of the burst)."""
        pids = (
            self.notifier.process.pid,
            self.deliverer.process.pid,
            self.redis_server.process.pid,
        )
        return (*(tree_cpu(pid) for pid in pids), time.process_time())

    def burst(self, count: int) -> float:
        """Events per second from the first notify sent to the last line printed."""
        before, start = len(self.notifier.lines), time.time()
        for i in range(count):
            key = dedup_key("bench", "incident", "i1", f"{time.time_ns()}-{i}")
            event = replace(EVENT, dedup_key=key, update_id=key)
            self.app.send_task("statusmon.notify", (event.to_dict(),))
        self.wait_lines(before + 2 * count)
        took = self.notifier.lines[-1][0] - start
        self.settle()
        return count / took

    def webhooks(self, rate: float, count: int, phase: str) -> list[float]:
        """Milliseconds from each POST's start to its printed line."""
        before = len(self.notifier.lines)
        sent = paced(count, rate, self._post(phase))
        self.wait_lines(before + 2 * count)
        printed = {}
        for at, line in self.notifier.lines[before:]:
            found = MARK.search(line)
            if found:
                printed[found.group(0)] = at
        start = time.time() - time.monotonic()  # paced() keeps monotonic times
        self.settle()
        return [(printed[f"bench {phase}-{n}"] - start - t) * 1000 for n, t in sent.items()]

    def _post(self, phase: str) -> Callable[[int], int]:
        return lambda n: post(self.web, PAGES[n % len(PAGES)], payload(WEBHOOK, phase, n))

    def wait_lines(self, count: int, timeout: float = 300) -> None:
        lines = self.notifier.lines
        with self.notifier.arrived:
            if not self.notifier.arrived.wait_for(lambda: len(lines) >= count, timeout):
                raise RuntimeError(f"notifier: {len(self.notifier.lines)} lines of {count}")

    def settle(self) -> None:
        """Until every logged event reached all three receivers (none without channels)."""
        logged = int(self.redis.xlen(keys.EVENTS)) if self.with_channels else 0
        for path in ("/hook", "/slack", "/discord") if logged else ():
            self.hooks.wait(path, logged, timeout=300)

    def lags(self, phase: str) -> list[float]:
        """Seconds from printed to received by the webhook receiver, of `phase`'s events."""
        printed = {e.event.dedup_key: e for e in eventlog.read(self.redis)}
        found = []
        for got in self.hooks.received:
            entry = printed.get(got.headers.get("webhook-id", ""))
            if got.path == "/hook" and entry and f"bench {phase}-" in (entry.event.body or ""):
                found.append(got.at - entry.printed_at.timestamp())
        return sorted(found)

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.hooks.close()
        self.pageserver.close()
        self.redis_server.stop()


def measure(
    events: int, rate: float, seconds: float, rounds: int, bursts: int = 3
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="statusmon-channels-"))
    systems = {"off": System(False, tmp / "off"), "on": System(True, tmp / "on")}
    result: dict[str, Any] = {"events": events, "rate": rate, "rounds": rounds}
    result |= {"burst": {"off": [], "on": []}, "cpu": {"off": [], "on": []}}
    result["webhook"] = {"off": [], "on": []}
    try:
        for system in systems.values():
            system.wait_ready()
        for system in systems.values():  # a first burst off the clock: imports, connections
            system.burst(20)
        for n in range(rounds):
            for mode, system in systems.items() if n % 2 == 0 else reversed(systems.items()):
                for _ in range(bursts):  # several a round: one burst is at the mercy of the load
                    before = system.cpu()
                    result["burst"][mode].append(system.burst(events))
                    after = system.cpu()
                    cpu = [(b - a) / events * 1000 for a, b in zip(before, after, strict=True)]
                    result["cpu"][mode].append(cpu)
                posts = system.webhooks(rate, int(rate * seconds), f"w{n}")
                result["webhook"][mode] += posts
        result["lag"] = [x for n in range(rounds) for x in systems["on"].lags(f"w{n}")]
        result["load"] = os.getloadavg()[1]  # the machine's, over the last 5 minutes
    finally:
        for system in systems.values():
            system.stop()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.channels", description=__doc__)
    parser.add_argument("--events", type=int, default=300, help="notify tasks per burst")
    parser.add_argument("--rate", type=float, default=50.0, help="webhooks per second")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of a webhook run")
    parser.add_argument("--rounds", type=int, default=2, help="of each figure, per copy")
    parser.add_argument("--bursts", type=int, default=3, help="bursts a round, per copy")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args(argv)
    result = measure(args.events, args.rate, args.seconds, args.rounds, args.bursts)
    if args.json:
        args.json.write_text(json.dumps(result))
    print("\n".join(section(result)))


if __name__ == "__main__":
    main()
