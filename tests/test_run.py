"""`statusmon run` as a user runs it: embedded Redis, beat, worker, notifier, web; Ctrl-C;
resume; a console for people (status lines on stdout, warnings on stderr, logs in files)."""

from __future__ import annotations

import signal
from pathlib import Path

from monitor.cli.redis_server import free_port
from tests.support.pageserver import PageServer
from tests.support.procs import Proc, records
from tests.support.runs import console, health, start_run
from tests.support.scenarios import StatuspageStory

SUMMARY = "/api/v2/summary.json"


def interrupt(proc: Proc) -> int:
    """Ctrl-C: SIGINT to the runner (its children have their own process groups)."""
    return proc.stop(signal.SIGINT, timeout=60)


def test_run_prints_changes_on_a_quiet_console_stops_on_ctrl_c_and_resumes_without_reprinting(
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
    assert first.lines == lines[:2]  # stdout: the status lines and nothing else
    assert records(lines) == [
        "[2026-09-04 09:00:00] Product: Claude - Claude API (api.anthropic.com)"
        " | Status: Major Outage"
    ]
    assert (tmp_path / "data" / "redis" / "appendonly.aof").stat().st_size > 0
    assert_console_for_people(first, tmp_path / "data", port)

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


CELERY_CHATTER = ("-------------- ", "[tasks]", "SecurityWarning", " received", "succeeded in")


def assert_console_for_people(run: Proc, data: Path, port: int) -> None:
    """stderr: a start-up summary, no Celery banner nor per-task lines; each process's whole
    log in its file."""
    shown = console(run)
    assert f"http://127.0.0.1:{port}/health" in shown
    assert f"logs in {data}/logs/<name>.log" in shown
    assert "Redis: embedded" in shown and "SIGINT: stopping" in shown.splitlines()  # plain
    summary = [
        line for line in shown.splitlines() if "Redis: embedded" in line or "logs in" in line
    ]
    assert summary and all(line.startswith(("Redis: embedded", "Starting ")) for line in summary)
    assert not [line for line in shown.splitlines() if any(w in line for w in CELERY_CHATTER)]
    worker_log = (data / "logs" / "worker.log").read_text()
    assert "[tasks]" in worker_log and "statusmon.poll" in worker_log
    assert "succeeded in" in worker_log
    assert "Warm shutdown" in (data / "logs" / "notifier.log").read_text()
    assert "ready to exit" in (data / "logs" / "redis.log").read_text()
    assert "Listening at" in (data / "logs" / "web.log").read_text()
