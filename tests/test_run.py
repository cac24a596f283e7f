"""`statusmon run` as a user runs it: embedded Redis, beat, worker, notifier; Ctrl-C; resume."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import requests

from monitor.cli.redis_server import free_port
from tests.support.pageserver import PageServer
from tests.support.procs import Proc, records
from tests.support.scenarios import StatuspageStory
from tests.support.wait import wait_until

SUMMARY = "/api/v2/summary.json"


def start_run(tmp_path: Path, pages_url: str, port: int) -> Proc:
    pages_file = tmp_path / "pages.yaml"
    pages_file.write_text(
        f"pages:\n  - id: claude\n    name: Claude\n    url: {pages_url}\n"
        "    kind: statuspage\n    interval: 5\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        MONITOR_PAGES=str(pages_file),
        MONITOR_DATA=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
        POLL_CONCURRENCY="2",
        PORT=str(port),
    )
    argv = [sys.executable, "-m", "monitor", "run"]
    return Proc("run", argv, env, tmp_path).start()


def health(port: int, timeout: float = 60) -> dict[str, object]:
    """The web process's /health, once it answers (nothing but its log says it is up)."""

    def answer() -> dict[str, object] | None:
        try:
            return dict(requests.get(f"http://127.0.0.1:{port}/health", timeout=2).json())
        except requests.ConnectionError:
            return None

    return wait_until(answer, f"/health on port {port}", timeout, interval=0.2)


def interrupt(proc: Proc) -> int:
    """Ctrl-C: SIGINT to the runner (its children have their own process groups)."""
    return proc.stop(signal.SIGINT, timeout=60)


def test_run_prints_changes_stops_on_ctrl_c_and_resumes_without_reprinting(
    tmp_path: Path, pages: PageServer
) -> None:
    story = StatuspageStory()
    pages.set_json(SUMMARY, story.summary("major_outage", changed="09:00"))
    port = free_port()
    first = start_run(tmp_path, pages.url, port)
    try:
        lines = first.wait_lines(2, timeout=90)
        assert health(port)["redis"] == "ok"  # web is up, on the embedded Redis (no counts: public)
    finally:
        code = interrupt(first)
    assert code == 0, first.log_tail()
    assert records(lines) == [
        "[2026-09-04 09:00:00] Product: Claude - Claude API (api.anthropic.com)"
        " | Status: Major Outage"
    ]
    assert (tmp_path / "data" / "redis" / "appendonly.aof").stat().st_size > 0

    polled = pages.hits[SUMMARY]
    second = start_run(tmp_path, pages.url, port)
    try:
        pages.wait_hits(SUMMARY, polled + 1, timeout=90)  # resumed and polled the same page
        pages.set_json(SUMMARY, story.summary("operational", changed="09:30"))
        again = second.wait_lines(2, timeout=90)
    finally:
        code = interrupt(second)
    assert code == 0, second.log_tail()
    assert records(again) == [
        "[2026-09-04 09:30:00] Product: Claude - Claude API (api.anthropic.com)"
        " | Status: Operational (was Major Outage)"
    ]
