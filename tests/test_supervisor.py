"""The supervisor's parts on real small processes: back-off and crash loops, optional
children, output routing to log files and the console, the embedded Redis's password."""

from __future__ import annotations

import io
import logging
import os
import signal
import stat
import sys
import threading
from pathlib import Path

import pytest

from monitor.cli import embedded
from monitor.cli.children import Child, Restarts, spawn_command
from monitor.cli.console import ChildOutput, level_of
from monitor.cli.supervisor import Supervisor
from monitor.logs import make_handler


def test_back_off_doubles_with_each_exit_in_the_window_and_a_crash_loop_gives_up() -> None:
    restarts = Restarts(limit=5, window=60)
    assert [restarts.delay_after_exit(t) for t in (0, 1, 2, 3)] == [1, 2, 4, 8]
    assert restarts.delay_after_exit(4) is None


def test_exits_far_apart_are_not_a_crash_loop() -> None:
    restarts = Restarts(limit=3, window=60)
    assert [restarts.delay_after_exit(t) for t in (0, 100, 200, 300)] == [1, 1, 1, 1]


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def child(tmp_path: Path, name: str, code: str, console: io.StringIO, **kw: object) -> Child:
    output = ChildOutput(name, tmp_path / f"{name}.log", console, verbose=False, prefix=True)
    spawn = spawn_command(python(code), os.environ, status_stream=False)
    return Child(name, spawn, output, **kw)  # type: ignore[arg-type]


CRASH = "import logging, sys; print('banner'); logging.basicConfig(format='%(asctime)s %(levelname)s %(name)s: %(message)s'); logging.error('no config'); sys.exit(3)"


def test_a_crash_loop_stops_the_run_naming_the_process_and_its_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shown = io.StringIO()
    crasher = child(tmp_path, "crasher", CRASH, shown, restarts=Restarts(limit=3))
    with caplog.at_level(logging.WARNING, "statusmon.run"):
        assert Supervisor([crasher]).run() == 1
    last = caplog.records[-1].getMessage()
    assert last.startswith("crasher exited 3 times in 60 s (last line: 20")
    assert "ERROR root: no config" in last and f"its log: {tmp_path}/crasher.log" in last
    assert "stopping everything" in last
    assert (tmp_path / "crasher.log").read_text().count("banner") == 3
    assert "banner" not in shown.getvalue()  # not a log record: the file only
    assert shown.getvalue().count("crasher | ") == 3  # the error, each time


def test_an_optional_child_in_a_crash_loop_is_given_up_and_the_rest_keeps_running(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shown = io.StringIO()
    web = child(tmp_path, "web", CRASH, shown, optional=True, restarts=Restarts(limit=2))
    steady = child(tmp_path, "steady", "import signal; signal.pause()", shown)
    supervisor = Supervisor([web, steady])

    def stop_when_given_up() -> None:
        deadline = threading.Event()
        while not web.given_up and not deadline.wait(0.05):
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_when_given_up, daemon=True).start()
    with caplog.at_level(logging.INFO, "statusmon.run"):
        assert supervisor.run() == 0  # stopped by the signal, not by the crash loop
    assert "web exited 2 times in 60 s" in caplog.text
    assert "not starting it again, the rest keeps running" in caplog.text
    assert steady.process is not None and steady.process.returncode == -signal.SIGTERM


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("2026-12-05 19:13:16,077 WARNING statusmon.poll: page claude: fetch failed", 30),
        ("2026-12-05 19:13:16,079 INFO celery.app.trace: Task x succeeded in 0.007s", 20),
        ('{"time": "2026-12-05T19:13:16.077+00:00", "level": "ERROR", "message": "x"}', 40),
        (" -------------- poll@vm v5.7.0 (collider)", None),
        ("Traceback (most recent call last):", None),
        ('{"level": 5}', None),
        ("{not json", None),
        ("2026-12-05 19:13:16,077 NOTICE x: y", None),
    ],
)
def test_a_line_is_a_log_record_of_its_level_or_none(line: str, level: int | None) -> None:
    assert level_of(line) == level


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING, logging.ERROR])
def test_the_console_reads_the_level_of_every_line_monitor_logs_writes(
    fmt: str, level: int
) -> None:
    stream = io.StringIO()
    record = logging.LogRecord("celery.app.trace", level, __file__, 1, "Task x", None, None)
    make_handler(fmt, env={}, stream=stream).handle(record)
    assert level_of(stream.getvalue().splitlines()[0]) == level


def test_a_traceback_follows_its_error_to_the_console_and_info_stays_in_the_file(
    tmp_path: Path,
) -> None:
    shown = io.StringIO()
    out = ChildOutput("worker", tmp_path / "logs" / "worker.log", shown, False, prefix=True)
    text = (
        "banner line\n"
        "2026-12-05 19:13:16,079 INFO celery.app.trace: Task x received\n"
        "2026-12-05 19:13:17,000 ERROR celery.app.trace: Task x raised\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1\n'
        "2026-12-05 19:13:18,000 INFO celery.app.trace: Task y succeeded in 0.1s\n"
        "last words without a newline"
    )
    out.feed(text[:50].encode())
    out.feed(text[50:].encode())
    out.close()
    assert shown.getvalue().splitlines() == [
        "worker | 2026-12-05 19:13:17,000 ERROR celery.app.trace: Task x raised",
        "worker | Traceback (most recent call last):",
        'worker |   File "x.py", line 1',
    ]
    assert (tmp_path / "logs" / "worker.log").read_text() == text + "\n"
    assert out.last_line == "last words without a newline"


def test_verbose_shows_every_line(tmp_path: Path) -> None:
    shown = io.StringIO()
    out = ChildOutput("beat", tmp_path / "beat.log", shown, verbose=True, prefix=False)
    out.feed(b"banner\n2026-12-05 19:13:16,079 INFO celery.beat: Scheduler: Sending\n")
    out.close()
    assert (
        shown.getvalue() == "banner\n2026-12-05 19:13:16,079 INFO celery.beat: Scheduler: Sending\n"
    )


def test_the_redis_password_is_made_once_readable_by_its_owner_only_and_reused(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "redis"
    first = embedded.password(folder)
    assert len(first) >= 32
    assert stat.S_IMODE((folder / embedded.PASSWORD_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (folder / embedded.PASSWORD_FILE).chmod(0o644)
    assert embedded.password(folder) == first
    assert stat.S_IMODE((folder / embedded.PASSWORD_FILE).stat().st_mode) == 0o600


def test_an_empty_password_file_is_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / embedded.PASSWORD_FILE).write_text("\n")
    with pytest.raises(RuntimeError, match="delete it and a new password is made"):
        embedded.password(tmp_path)
