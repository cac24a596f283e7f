"""`make compose-test`, after tests/compose/run.sh has an engine and base images: the README's
compose stack, built and run for real with three workers against the simulator on the host.

The scenario: changes published while all runs; while the workers restart; while the notifier
is stopped; pages edited on the host (by rename, as editors save) and added inside the beat
container; changes published while the stack is `down`, then `up`. Checked: every change
printed exactly once (the simulator's recorder against every notifier container's stdout),
nothing re-printed after `up`, the notifier's output only status lines, `/health` 200, Flower
showing poll tasks from all three workers. Everything is torn down at the end (the image too;
the base images stay). Prints a report; exit status 1 when a check fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import requests
import yaml

from tests.compose.stack import ROOT, Stack, bridge_gateway, container_output, docker
from tests.compose.world import Printed, Simulator, wait_for

PROJECT = "statusmon-compose-test"
IMAGE = "statusmon-compose-test:latest"
PAGES, INTERVAL, WORKERS = 6, 5, 3
FLOWER_AUTH = ("ops", "compose-test-pass")
HOST_USER = (1000, 1000)  # as root, the "host user" owning the pages folder


class Run:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.timings: dict[str, float] = {}
        self.failures: list[str] = []
        self.config = work / "config"
        self.config.mkdir()
        owner = HOST_USER if os.getuid() == 0 else (os.getuid(), os.getgid())
        self.web, self.flower = free_port(), free_port()
        env = {
            "FLOWER_BASIC_AUTH": ":".join(FLOWER_AUTH),
            "STATUSMON_UID": str(owner[0]),
            "STATUSMON_IMAGE": IMAGE,
            "PAGES_DIR": str(self.config),
            "WEB_PUBLISH": str(self.web),
            "FLOWER_PUBLISH": str(self.flower),
            "MONITOR_FORMAT": "json",
            "POLL_CONCURRENCY": "2",
        }
        env_file = work / "compose.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8")
        self.stack = Stack(PROJECT, env_file, work / "compose.log")
        self.sim = Simulator(bridge_gateway(), PAGES, work / "all-pages.yaml", INTERVAL)
        everything = yaml.safe_load((work / "all-pages.yaml").read_text())
        self.last = everything["pages"].pop()  # added later, with `pages add` in a container
        self.pages_file = self.config / "pages.yaml"
        self.pages_file.write_text(yaml.safe_dump(everything, sort_keys=False))
        if os.getuid() == 0:
            for path in (self.config, self.pages_file):
                os.chown(path, *owner)
        self.printed = Printed()

    def step(self, name: str, action: Callable[[], object]) -> None:
        started = time.monotonic()
        print(f"compose-test: {name}", flush=True)
        action()
        self.timings[name] = round(time.monotonic() - started, 1)

    def check(self, ok: bool, what: str) -> None:
        print(f"  {'ok' if ok else 'FAILED'}: {what}", flush=True)
        if not ok:
            self.failures.append(what)

    # --- the stack ---------------------------------------------------------------------------

    def up(self) -> None:
        self.stack.run("up", "-d", "--scale", f"worker={WORKERS}")
        wait_for(self.health_ok, "/health 200 after up", 240)

    def health_ok(self) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.web}/health", timeout=5).ok
        except requests.RequestException:
            return False

    def keep_notifier_output(self) -> None:
        for container in self.stack.ids("notifier"):
            self.printed.take(container, container_output(container))

    def all_printed(self) -> bool:
        self.keep_notifier_output()
        result = self.printed.score(self.sim)
        return result.missed == 0 and result.printed >= result.expected

    def wait_printed(self, what: str) -> None:
        wait_for(self.all_printed, f"every change printed ({what})", 180)

    def wait_polled(self, pages: list[int], since: float, times: int = 2) -> None:
        def polled() -> bool:
            return all(self.sim.requests_for(n, since) >= times for n in pages)

        wait_for(polled, f"pages {pages} polled {times} times", 120)

    # --- the scenario ------------------------------------------------------------------------

    def running(self) -> None:
        self.wait_polled(list(range(PAGES - 1)), 0)  # every page has its first state
        self.sim.apply(
            {"page": 0, "do": "open", "incident": "a", "name": "Elevated errors"},
            {"page": 1, "do": "component", "component": 0, "status": "partial_outage"},
            {"page": 2, "do": "fault", "mode": "503", "count": 2},
            {"page": 2, "do": "component", "component": 1, "status": "major_outage"},
        )
        self.wait_printed("all running, a 503 on one page")

    def worker_restart(self) -> None:
        self.sim.apply(
            {"page": 0, "do": "update", "incident": "a", "status": "identified"},
            {"page": 3, "do": "maintenance", "maintenance": "m", "phase": "scheduled"},
        )
        self.stack.run("restart", "worker")
        self.wait_printed("across a worker restart")

    def notifier_stopped(self) -> None:
        self.stack.run("stop", "notifier")
        since = time.time()
        published = self.sim.apply(
            {"page": 0, "do": "resolve", "incident": "a"},
            {"page": 1, "do": "component", "component": 0, "status": "operational"},
            {"page": 4, "do": "open", "incident": "b", "name": "Login failures"},
        )
        self.wait_polled([0, 1, 4], since)

        def queued() -> bool:  # detected, and waiting in `notify` while nobody prints
            length = self.stack.execute("redis", "redis-cli", "llen", "notify").stdout
            return int(length.strip() or 0) >= sum(1 for p in published if p["kind"] != "rename")

        wait_for(queued, "the changes queued for the stopped notifier", 120)
        self.stack.run("start", "notifier")
        self.wait_printed("after the notifier's stop and start")

    def pages_edited(self) -> None:
        text = self.pages_file.read_text()  # on the host, saved by rename as editors do
        edited = yaml.safe_load(text)
        edited["pages"][1]["interval"] = INTERVAL + 1
        fresh = self.config / ".pages.yaml.edit"
        fresh.write_text(yaml.safe_dump(edited, sort_keys=False))
        os.replace(fresh, self.pages_file)
        synced = self.stack.execute("beat", "statusmon", "pages", "sync")
        self.check(
            synced.returncode == 0 and "changed: sim00001\n" in synced.stdout,
            f"pages sync in beat sees the host's edit: {synced.stdout.strip()!r}"
            f"{synced.stderr.strip()[-300:]}",
        )
        last = self.last
        added = self.stack.execute(
            "beat",
            *("statusmon", "pages", "add", last["url"], "--id", last["id"]),
            *("--name", last["name"], "--kind", "statuspage", "--interval", str(INTERVAL)),
        )
        on_host = yaml.safe_load(self.pages_file.read_text())["pages"]
        self.check(
            added.returncode == 0 and on_host[-1]["id"] == last["id"],
            f"pages add in beat writes the host's file: {added.stdout.strip()!r}"
            f"{added.stderr.strip()[-300:]}",
        )
        self.wait_polled([PAGES - 1], time.time())
        self.sim.apply({"page": PAGES - 1, "do": "open", "incident": "c", "name": "New page"})
        self.wait_printed("on the page added in the container")

    def down_and_up(self) -> None:
        self.keep_notifier_output()
        self.stack.run("down")
        self.sim.apply(
            {"page": 4, "do": "resolve", "incident": "b"},
            {"page": 3, "do": "maintenance", "maintenance": "m", "phase": "in_progress"},
        )
        self.up()
        self.wait_printed("published while the stack was down")
        settle = time.time()
        self.wait_polled(list(range(PAGES)), settle, times=3)  # time to re-print, if it would

    def flower_sees_every_worker(self) -> None:
        workers = {f"poll@{host}" for host in self.stack.hostnames("worker")}

        def seen() -> set[str]:
            url = f"http://127.0.0.1:{self.flower}/api/tasks"
            tasks = requests.get(url, auth=FLOWER_AUTH, timeout=10).json()
            return {t.get("worker") for t in tasks.values()} & workers

        try:
            got = wait_for(lambda: seen() == workers, "Flower sees tasks of all 3 workers", 180)
        except RuntimeError:
            got = False
        self.check(bool(got), f"Flower shows tasks from all {len(workers)} workers: {seen()}")
        url = f"http://127.0.0.1:{self.flower}/api/tasks"
        tasks = requests.get(url, auth=FLOWER_AUTH, timeout=10).json().values()
        split = Counter(f"{t.get('name')} on {t.get('worker')}" for t in tasks)
        print(f"  light load, tasks per worker since up (Flower): {dict(sorted(split.items()))}")

    def verdict(self) -> None:
        self.keep_notifier_output()
        result = self.printed.score(self.sim)
        self.check(
            (result.missed, result.duplicates, result.unexpected) == (0, 0, 0),
            f"{result.printed} lines for {result.expected} changes: missed {result.missed}, "
            f"duplicates {result.duplicates}, unexpected {result.unexpected}",
        )
        noise = self.printed.not_status_lines()
        self.check(noise == [], f"the notifier wrote only status lines (else: {noise[:5]})")
        self.check(self.health_ok(), "/health answers 200")

    def teardown(self) -> None:
        self.keep_notifier_output()
        self.stack.run("down", "-v", "--remove-orphans", check=False)
        self.sim.stop()
        if os.environ.get("COMPOSE_TEST_KEEP_IMAGE"):  # while working on the test itself
            return
        docker("rmi", IMAGE, timeout=300)
        for stage in ("build", "final"):  # the build stage; images a rebuild left untagged
            label = f"label=org.statusmon.stage={stage}"
            extra = [] if stage == "build" else ["--filter", "dangling=true"]
            images = docker("images", "-q", "--filter", label, *extra).split()
            if images:
                docker("rmi", *sorted(set(images)), timeout=300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="statusmon-compose-"))
    os.chmod(work, 0o755)
    secrets = ROOT / "webhook-secrets.env"
    made_secrets = not secrets.exists()
    secrets.touch()
    run = Run(work)
    started = time.monotonic()
    try:
        run.step("build", lambda: run.stack.run("build"))
        run.step("up --scale worker=3", run.up)
        run.step("changes while running", run.running)
        run.step("restart worker", run.worker_restart)
        run.step("notifier stop/start", run.notifier_stopped)
        run.step("pages edited on the host and added in beat", run.pages_edited)
        run.step("down, changes, up", run.down_and_up)
        run.step("flower", run.flower_sees_every_worker)
        run.step("verdict", run.verdict)
    except Exception as exc:  # report it, tear down all the same
        run.failures.append(f"{type(exc).__name__}: {exc}")
        print(f"compose-test: FAILED: {exc}\n(compose log: {work / 'compose.log'})", flush=True)
    finally:
        run.step("teardown", run.teardown)
        if made_secrets:
            secrets.unlink()
    print(f"compose-test: timings (s): {run.timings}, total {time.monotonic() - started:.0f}")
    if run.failures:
        print(f"compose-test: {len(run.failures)} failed; logs in {work}", file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("compose-test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
