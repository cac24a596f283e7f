"""Real Celery worker processes for tests, started with the production commands."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

from monitor.cli import processes
from monitor.output import one_line

ROOT = Path(__file__).resolve().parents[2]


class Proc:
    """One child process; its stdout is collected line by line, its stderr goes to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}.log"
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        self._reader = threading.Thread(target=self._read, args=(self.process,), daemon=True)
        self._reader.start()
        return self

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            with self._changed:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._changed.notify_all()

    def wait_lines(self, count: int, timeout: float = 30) -> list[str]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.lines) >= count, timeout):
                raise AssertionError(
                    f"{self.name}: {len(self.lines)} lines after {timeout}s, wanted {count}:\n"
                    + "\n".join(self.lines)
                    + "\n--- log tail:\n"
                    + self.log_tail()
                )
            return list(self.lines)

    def log_tail(self, n: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-n:])

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._reader.join(10)  # the pipe is at EOF once the process is gone
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def celery_proc(role: str, env: dict[str, str], log_dir: Path) -> Proc:
    return Proc(role, processes.command(role, env), env, log_dir)


def records(lines: list[str]) -> list[str]:
    """Pair the notifier's two-line records: 'Product: … | Status: …' with the time kept."""
    pairs = []
    for i in range(0, len(lines) - 1, 2):
        pairs.append(one_line(lines[i]) + " | " + one_line(lines[i + 1]))
    return pairs
