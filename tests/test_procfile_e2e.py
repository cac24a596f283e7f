"""The Procfile as an operator runs it: honcho starts web, worker, notifier, beat and Flower on
the suite's Redis; a status line reaches the notifier's stdout, Flower's API shows the tasks
with their arguments, and /metrics on the web process counts what happened."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor import store
from monitor.cli.redis_server import free_port
from tests.paths import ROOT
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory

SUMMARY = "/api/v2/summary.json"
AUTH = ("ops", "e2e-flower-password")
DB = 7  # its own database: the suite's session workers (db 0) must not take these tasks
_LINE = re.compile(r"^\S+ (?P<name>\S+?)\s*\| (?P<text>.*)$")


class Honcho:
    """`python -m honcho start` in its own process group; its output collected by process."""

    def __init__(self, env: dict[str, str], web_port: int, env_file: Path) -> None:
        argv = [sys.executable, "-m", "honcho", "start", "--no-colour"]
        argv += ["-f", str(ROOT / "Procfile"), "-d", str(ROOT), "-e", str(env_file)]
        argv += ["-p", str(web_port)]
        self.lines: list[tuple[str, str]] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            argv,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            match = _LINE.match(raw.decode("utf-8", "replace").rstrip("\n"))
            if match:
                with self._changed:
                    self.lines.append((match["name"], match["text"]))
                    self._changed.notify_all()

    def of(self, name: str) -> list[str]:
        with self._changed:
            return [text for who, text in self.lines if who == f"{name}.1"]

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = 120) -> Any:
        """check() until it returns something truthy; fail early if honcho stopped."""
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{what}: not seen; honcho output:\n{self.dump()}")
            with self._changed:
                self._changed.wait(0.5)

    def dump(self) -> str:
        with self._changed:
            return "\n".join(f"{who} | {text}" for who, text in self.lines[-80:])

    def stop(self) -> None:
        """SIGTERM to honcho, which stops its children (SIGKILL after 5 s); then make sure."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pid in self._child_pids():  # each child is a process group of its own
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        self._reader.join(10)  # the pipe is at EOF once honcho and its children are gone
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _child_pids(self) -> list[int]:
        found = (re.search(r"started \(pid=(\d+)\)", text) for _, text in list(self.lines))
        return [int(m[1]) for m in found if m]


def get(url: str, auth: tuple[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if auth:
        token = base64.b64encode(":".join(auth).encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""


def flower_task(port: int, name: str, args_prefix: str) -> dict[str, Any] | None:
    status, body = get(f"http://127.0.0.1:{port}/api/tasks", AUTH)
    if status != 200:
        return None
    tasks = json.loads(body).values()
    found = [t for t in tasks if t["name"] == name and str(t["args"]).startswith(args_prefix)]
    return found[0] if found else None


def samples(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = get(f"http://127.0.0.1:{port}/metrics")
    if status != 200:
        return {}
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def status_records(lines: list[str]) -> list[str]:
    """The notifier's two-line status records (its logs are JSON objects between them) as
    `[time] Product: … | Status: …`."""
    text = [line for line in lines if not line.startswith("{")]
    return [
        f"{head} | {status}"
        for head, status in itertools.pairwise(text)
        if head.startswith("[") and " Product: " in head and status.startswith("Status: ")
    ]


@pytest.mark.timeout(300)
def test_procfile_runs_the_system_with_flower_and_metrics(
    tmp_path: Path, pages: PageServer, redis_url: str
) -> None:
    # Given a page with one degraded component, and the Procfile's processes under honcho
    url = f"{redis_url.rsplit('/', 1)[0]}/{DB}"
    r = store.connect(url)
    r.flushdb()
    story = StatuspageStory()
    pages.set_json(SUMMARY, story.summary("degraded_performance", changed="09:00"))
    (tmp_path / "pages.yaml").write_text(
        f"pages:\n  - id: claude\n    name: Claude\n    url: {pages.url}\n"
        "    kind: statuspage\n    interval: 5\n"
    )
    (tmp_path / "empty.env").write_text("")
    web_port, flower_port = free_port(), free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "REDIS_URL": url,
        "MONITOR_PAGES": str(tmp_path / "pages.yaml"),
        "MONITOR_DATA": str(tmp_path / "data"),
        "MONITOR_TZ": "UTC",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "POLL_CONCURRENCY": "2",
        "WEB_CONCURRENCY": "1",
        "FLOWER_BASIC_AUTH": ":".join(AUTH),
        "FLOWER_PORT": str(flower_port),
        "PYTHONUNBUFFERED": "1",
    }
    honcho = Honcho(env, web_port, tmp_path / "empty.env")
    try:
        # When the first poll sees the degraded component
        first = "[2026-09-04 09:00:00] Product: Claude - Claude API (api.anthropic.com) | Status: Degraded Performance"
        honcho.wait_for("first status line", lambda: first in status_records(honcho.of("notifier")))

        # Then Flower (behind basic auth) shows polls with the page id as their argument
        poll = honcho.wait_for(
            "poll in Flower", lambda: flower_task(flower_port, "statusmon.poll", "('claude',)")
        )
        assert poll["state"] in {"RECEIVED", "STARTED", "SUCCESS"}
        assert get(f"http://127.0.0.1:{flower_port}/api/tasks")[0] == 401

        # When the component recovers, while Flower is watching
        pages.set_json(SUMMARY, story.summary("operational", changed="09:30"))
        second = "[2026-09-04 09:30:00] Product: Claude - Claude API (api.anthropic.com) | Status: Operational (was Degraded Performance)"
        honcho.wait_for(
            "second status line", lambda: second in status_records(honcho.of("notifier"))
        )

        # Then its notify task shows as (page id, dedup key), and each change printed once
        honcho.wait_for(
            "notify in Flower", lambda: flower_task(flower_port, "statusmon.notify", "('claude', '")
        )
        assert status_records(honcho.of("notifier")) == [first, second]

        # And /metrics on the web process counts polls, bytes, events and detection lag
        def counted() -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
            s = samples(web_port)
            page = (("page", "claude"),)
            ok = (
                s.get(("statusmon_polls_total", (("outcome", "changed"), *page)), 0) >= 2
                and s.get(("statusmon_polls_total", (("outcome", "not_modified"), *page)), 0) >= 1
                and s.get(("statusmon_events_total", (("kind", "component"),)), 0) >= 2
                and s.get(("statusmon_detection_lag_seconds_count", ()), 0) >= 2
            )
            return s if ok else None

        s = honcho.wait_for("counters in /metrics", counted)
        fetched = s[("statusmon_fetched_bytes_total", (("page", "claude"),))]
        full = s[("statusmon_full_fetch_bytes_total", (("page", "claude"),))]
        assert 0 < fetched < full  # a 304 fetched nothing but would have cost a full body

        # And the logs are JSON objects (gunicorn's and Flower's too); the worker's name the page
        assert any(
            line.startswith("{") and json.loads(line).get("page_id") == "claude"
            for line in honcho.of("worker")
        ), honcho.dump()
        for name in ("web", "flower", "beat"):
            assert all(json.loads(line)["level"] for line in honcho.of(name)), honcho.dump()
        # And beat's every-second tick is not logged at INFO
        assert not any("Sending due task tick" in line for line in honcho.of("beat"))
    finally:
        honcho.stop()
        r.flushdb()
        r.close()
