"""`statusmon run` as a user starts it, and the process tree it leaves, read from /proc."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import requests

from tests.support.procs import Proc
from tests.support.wait import wait_until

T = TypeVar("T")


def start_run(tmp_path: Path, pages_url: str, port: int, name: str = "run", **extra: str) -> Proc:
    """`statusmon run` on one Statuspage page, with its data in tmp_path/data; its stdout is
    collected line by line, its stderr (the console) goes to tmp_path/<name>.log."""
    argv = [sys.executable, "-m", "monitor", "run"]
    return Proc(name, argv, run_env(tmp_path, pages_url, port, **extra), tmp_path).start()


def run_env(tmp_path: Path, pages_url: str, port: int, **extra: str) -> dict[str, str]:
    """The environment of a run on one Statuspage page (tmp_path/pages.yaml), its data in
    tmp_path/data."""
    pages_file = tmp_path / "pages.yaml"
    pages_file.write_text(
        f"pages:\n  - id: claude\n    name: Claude\n    url: {pages_url}\n"
        "    kind: statuspage\n    interval: 5\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "LOG_LEVEL")}
    env.update(
        MONITOR_PAGES=str(pages_file),
        MONITOR_DATA=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
        POLL_CONCURRENCY="2",
        PORT=str(port),
        **extra,
    )
    return env


def console(proc: Proc) -> str:
    """What the run wrote on stderr."""
    return proc.log_path.read_text(errors="replace") if proc.log_path.exists() else ""


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 90) -> T:
    """check() until it returns something truthy, or fail after `timeout` seconds."""
    return wait_until(check, what, timeout, interval=0.1)


def health(port: int, timeout: float = 60) -> dict[str, object]:
    """The web process's /health, once it answers."""

    def answer() -> dict[str, object] | None:
        try:
            return dict(requests.get(f"http://127.0.0.1:{port}/health", timeout=2).json())
        except requests.ConnectionError:
            return None

    return wait_for("/health", answer, timeout)


def descendants(pid: int) -> dict[int, str]:
    """Every living process under `pid` (children, theirs, …): pid -> command line."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and alive(int(entry)):
            parent = _stat(int(entry))
            if parent is not None:
                parents.setdefault(parent[1], []).append(int(entry))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found[child] = cmdline(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running or sleeping: a zombie has ended (its parent has yet to reap it)."""
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _stat(pid: int) -> tuple[str, int] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1])


def one(pids: dict[int, str], word: str) -> int | None:
    """The pid of the process whose command line holds `word`, if exactly one does (a
    Celery main process, not its pool: the pool's children have the same command line)."""
    matches = [p for p, cmd in pids.items() if word in cmd]
    tops = [p for p in matches if (_stat(p) or ("", 0))[1] not in matches]
    return tops[0] if len(tops) == 1 else None


class TerminalRun:
    """`statusmon run` in a terminal of its own (a pty it controls), as a person starts it:
    close() is closing the terminal's window."""

    def __init__(self, env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: exec at once
            os.execve(sys.executable, [sys.executable, "-m", "monitor", "run"], env)
        self.screen = ""

    def wait_for_text(self, text: str, timeout: float = 90) -> str:
        """Read the screen until `text` is on it."""
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not on the terminal:\n{self.screen}")
            if select.select([self.fd], [], [], min(left, 1))[0]:
                self.screen += os.read(self.fd, 65536).decode("utf-8", "replace")
        return self.screen

    def close(self) -> None:
        """The window closes: the kernel hangs up the terminal (SIGHUP to its session)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def wait(self, timeout: float) -> int:
        wait_for("the end of the run", lambda: not alive(self.pid), timeout)
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
