"""One `statusmon run` per data folder: the lock, held by a run and by what is left of it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from monitor.cli import runlock
from tests.support.runs import wait_for


def test_a_second_lock_on_a_data_folder_names_the_holder_and_a_released_lock_is_free(
    tmp_path: Path,
) -> None:
    held = runlock.acquire(tmp_path / "data")
    with pytest.raises(runlock.AlreadyRunning) as refused:
        runlock.acquire(tmp_path / "data")
    assert refused.value.pid == os.getpid()
    assert f"(pid {os.getpid()}) is using the data folder {tmp_path / 'data'}" in str(refused.value)
    held.release()
    runlock.acquire(tmp_path / "data").release()


def leftover(tmp_path: Path) -> subprocess.Popen[bytes]:
    """What a run that ended left: a child that holds the run's lock until it reads a line,
    and a lock file naming a process that is gone."""
    lock = runlock.acquire(tmp_path)
    code = "import sys; sys.stdin.readline()"
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, pass_fds=(lock.fd,)
    )
    lock.release()
    gone = subprocess.Popen(["true"])
    gone.wait()
    (tmp_path / runlock.LOCK_NAME).write_text(f"{gone.pid}\n")
    return child


def test_a_new_run_waits_for_the_processes_of_a_run_that_ended(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    child = leftover(tmp_path)

    def child_stops_once_waited_for() -> None:
        wait_for("the wait", lambda: "still stopping" in caplog.text, timeout=30)
        assert child.stdin is not None
        child.stdin.close()

    closer = threading.Thread(target=child_stops_once_waited_for)
    with caplog.at_level(logging.WARNING, "statusmon.run"):
        closer.start()
        runlock.acquire(tmp_path, wait=60).release()
    closer.join()
    assert child.wait(10) == 0


def test_processes_of_an_ended_run_that_stay_are_named(tmp_path: Path) -> None:
    child = leftover(tmp_path)
    try:
        with pytest.raises(runlock.AlreadyRunning) as refused:
            runlock.acquire(tmp_path, wait=0.5)
        assert f"processes of an earlier run (pids {child.pid}) still hold" in str(refused.value)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)
