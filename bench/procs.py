"""The system under test as child processes: Redis, the simulator, worker, notifier, beat.

Each child gets its own process group; stdout lines are read with their arrival time (the
notifier's stdout is the status stream), stderr goes to a log file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from monitor.cli import processes

ROOT = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv = name, argv
        self.terminated = False
        self.lines: list[tuple[float, str]] = []
        self.arrived = threading.Condition()
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the child
        self.log_path = log_dir / f"{name}.log"
        self.process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, start_new_session=True
        )
        log.close()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            with self.arrived:
                self.lines.append((time.time(), raw.decode("utf-8", "replace").rstrip("\n")))
                self.arrived.notify_all()

    def wait_line(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not self.arrived.wait_for(lambda: self.lines, 0.5):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name}: no output; see {self.log_path}")
            return self.lines[0][1]

    def cpu(self) -> float:
        """CPU seconds (user + system) of the child and its children so far."""
        return tree_cpu(self.process.pid)

    def terminate(self) -> None:
        """SIGTERM to the child's process group, once; stop() waits for it."""
        if self.process.poll() is None and not self.terminated:
            self.terminated = True
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process `pid` and its children so far."""
    return sum(_cpu(p) for p in _tree(pid))


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            todo += [int(c) for c in task.read_text().split()]
    return pids


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def celery(role: str, env: dict[str, str], log_dir: Path, extra: list[str] = ()) -> Child:  # type: ignore[assignment]
    return Child(role, processes.command(role, env) + list(extra), env, log_dir)


def simulator(
    args: list[str], env: dict[str, str], log_dir: Path
) -> tuple[Child, dict[str, object]]:
    child = Child("simulate", [sys.executable, "-m", "monitor.simulate", *args], env, log_dir)
    ready: dict[str, object] = json.loads(child.wait_line(120))
    return child, ready


def pid_cpu(pid: int) -> float:
    return _cpu(pid)


def stop_all(children: list[subprocess.Popen[bytes]], grace: float = 20) -> None:
    """Each child asked to stop at once (SIGTERM), then each waited for; killed after `grace`."""
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            child.kill()
