"""`statusmon run` as a supervisor, tried as users and crashes try it: a closed terminal,
kill -9 of the run, a second run on the same folder, a Redis left by a crashed run, a killed
child, a web port already taken."""

from __future__ import annotations

import os
import re
import signal
import socket
from pathlib import Path

from monitor.cli import embedded, redis_server
from monitor.cli.redis_server import free_port
from tests.support.pageserver import PageServer
from tests.support.procs import Proc, records
from tests.support.runs import (
    TerminalRun,
    alive,
    console,
    descendants,
    one,
    run_env,
    start_run,
    wait_for,
)
from tests.support.scenarios import StatuspageStory

SUMMARY = "/api/v2/summary.json"
STORY = StatuspageStory()


def outage(pages: PageServer, status: str = "major_outage", changed: str = "09:00") -> None:
    pages.set_json(SUMMARY, STORY.summary(status, changed=changed))


def all_up(run: Proc) -> dict[int, str]:
    """The run's process tree once every process (the poll worker's pool too) has started."""
    assert run.process is not None
    pid = run.process.pid
    return wait_for("every process of the run", lambda: _complete(descendants(pid)))


def _complete(tree: dict[int, str]) -> dict[int, str] | None:
    names = ("redis-server", "-Q notify", "-Q control,poll", "-Q deliver", " beat ", "gunicorn")
    pool = [p for p, cmd in tree.items() if "-Q control,poll" in cmd]
    everyone = all(any(n in c for c in tree.values()) for n in names)
    return tree if everyone and len(pool) >= 3 else None


def gone(pids: dict[int, str], timeout: float) -> None:
    wait_for(f"the end of {len(pids)} processes", lambda: not any(map(alive, pids)), timeout)


def test_closing_the_terminal_stops_every_process_in_order_and_a_second_run_is_refused(
    tmp_path: Path, pages: PageServer
) -> None:
    outage(pages)
    term = TerminalRun(run_env(tmp_path, pages.url, free_port()))
    try:
        screen = term.wait_for_text("Status: Major Outage")
        tree = wait_for("every process", lambda: _complete(descendants(term.pid)))
        second = start_run(tmp_path, pages.url, free_port(), name="second")
        assert second.process is not None
        assert second.process.wait(60) == 1  # by itself, at once
        second.stop()
        assert second.lines == []
        assert f"another statusmon run (pid {term.pid})" in console(second)
        assert alive(term.pid)
    finally:
        term.close()
        code = term.wait(timeout=90)
    assert code == 0
    gone(tree, timeout=10)
    assert not [line for line in screen.splitlines() if " received" in line or "[tasks]" in line]
    log = tmp_path / "data" / "logs"
    assert "Warm shutdown" in (log / "worker.log").read_text()
    assert "ready to exit" in (log / "redis.log").read_text()


def test_children_die_with_a_run_killed_with_sigkill_and_the_next_run_waits_for_them(
    tmp_path: Path, pages: PageServer
) -> None:
    outage(pages)
    run = start_run(tmp_path, pages.url, free_port())
    run.wait_lines(2, timeout=90)
    tree = all_up(run)
    run.stop(signal.SIGKILL)
    again = start_run(tmp_path, pages.url, free_port(), name="again")  # at once
    try:
        gone(tree, timeout=30)  # Celery's warm shutdown takes a moment
        outage(pages, "operational", changed="09:30")
        lines = again.wait_lines(2, timeout=90)
        assert len(embedded.servers_on(tmp_path / "data" / "redis")) == 1
    finally:
        assert again.stop(signal.SIGINT, timeout=90) == 0, console(again)
    assert records(lines)[0].endswith("| Status: Operational (was Major Outage)")


def test_a_redis_left_by_a_crashed_run_is_stopped_before_the_next_run_starts_its_own(
    tmp_path: Path, pages: PageServer
) -> None:
    folder = tmp_path / "data" / "redis"
    left = redis_server.start(folder, password=embedded.password(folder))  # no lifeline
    outage(pages)
    run = start_run(tmp_path, pages.url, free_port())
    try:
        assert left.process.wait(60) == 0  # SIGTERM: it saved and exited
        run.wait_lines(2, timeout=90)
        servers = embedded.servers_on(folder)
        assert len(servers) == 1 and servers[0] != left.process.pid
        assert f"a Redis left by an earlier run (pid {left.process.pid})" in console(run)
    finally:
        assert run.stop(signal.SIGINT, timeout=90) == 0, console(run)
    assert embedded.servers_on(folder) == []


def test_killed_children_and_a_killed_redis_are_started_again_and_lines_keep_coming(
    tmp_path: Path, pages: PageServer
) -> None:
    outage(pages)
    run = start_run(tmp_path, pages.url, free_port())
    try:
        run.wait_lines(2, timeout=90)
        tree = all_up(run)
        notifier, redis = one(tree, "-Q notify"), one(tree, "redis-server")
        worker = one(tree, "-Q control,poll")
        assert notifier and redis and worker
        pool = [p for p, cmd in tree.items() if "-Q control,poll" in cmd and p != worker]
        os.kill(notifier, signal.SIGKILL)
        os.kill(worker, signal.SIGKILL)  # its prefork pool is not left behind
        wait_for("notifier restarted", lambda: _other(run, "-Q notify", notifier))
        wait_for("worker restarted", lambda: _other(run, "-Q control,poll", worker))
        gone(dict.fromkeys(pool, ""), timeout=10)
        assert "notifier was killed by SIGKILL" in console(run)
        assert "worker was killed by SIGKILL" in console(run)
        os.kill(redis, signal.SIGKILL)
        again = wait_for("redis restarted", lambda: _other(run, "redis-server", redis))
        assert _port(tree[redis]) == _port(descendants(_pid(run))[again])  # same address
        outage(pages, "operational", changed="09:30")
        lines = run.wait_lines(4, timeout=120)
    finally:
        assert run.stop(signal.SIGINT, timeout=90) == 0, console(run)
    assert records(lines)[1].endswith("| Status: Operational (was Major Outage)")
    redis_log = tmp_path / "data" / "logs" / "redis.log"
    assert re.search(f"redis was killed by SIGKILL.*its log: {redis_log}", console(run))


def test_a_web_port_in_use_is_named_with_its_fix_and_polls_still_print(
    tmp_path: Path, pages: PageServer
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        outage(pages)
        run = start_run(tmp_path, pages.url, port)
        try:
            lines = run.wait_lines(2, timeout=90)
        finally:
            assert run.stop(signal.SIGINT, timeout=90) == 0, console(run)
    assert records(lines)[0].endswith("| Status: Major Outage")
    assert f"Port {port} is in use: set PORT" in console(run)
    assert "gunicorn" not in console(run)


def _pid(run: Proc) -> int:
    assert run.process is not None
    return run.process.pid


def _other(run: Proc, word: str, old: int) -> int | None:
    new = one(descendants(_pid(run)), word)
    return new if new not in (None, old) else None


def _port(cmd: str) -> str:
    match = re.search(r"127\.0\.0\.1:(\d+)", cmd)
    assert match, cmd
    return match[1]
