"""One supervised child of `statusmon run`: how it starts, its output, when it starts again.

A child runs in its own session (the terminal's Ctrl-C and hangup reach `statusmon run`
only, which stops the children in order) and is tied to the supervisor with a lifeline
(monitor/cli/lifeline.py). After an exit it is started again after a back-off (1 s, doubling,
at most 30 s); CRASH_LIMIT exits within CRASH_WINDOW seconds are a crash loop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from monitor.cli.console import ChildOutput
from monitor.cli.lifeline import tie_to

CRASH_LIMIT = 5
CRASH_WINDOW = 60.0
FIRST_DELAY, MAX_DELAY = 1.0, 30.0


@dataclass
class Restarts:
    """When to start a child again: exits within `window` seconds of each other count up."""

    limit: int = CRASH_LIMIT
    window: float = CRASH_WINDOW
    exits: deque[float] = field(default_factory=deque)

    def delay_after_exit(self, now: float) -> float | None:
        """Seconds to wait before the next start; None: a crash loop, give up."""
        self.exits.append(now)
        while self.exits and self.exits[0] < now - self.window:
            self.exits.popleft()
        if len(self.exits) >= self.limit:
            return None
        return min(MAX_DELAY, FIRST_DELAY * 2.0 ** (len(self.exits) - 1))


Spawn = Callable[[], subprocess.Popen[bytes]]


def spawn_command(
    argv: list[str], env: Mapping[str, str], status_stream: bool, keep_fds: tuple[int, ...] = ()
) -> Spawn:
    """Popen of argv, on a lifeline; all its output on one pipe, or, for the process that
    prints the status lines (`status_stream`), only its stderr (its stdout is ours).
    `keep_fds`: descriptors it inherits (the run's lock)."""

    def spawn() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=None if status_stream else subprocess.PIPE,
            stderr=subprocess.PIPE if status_stream else subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=tie_to(os.getpid()),
            pass_fds=keep_fds,
        )

    return spawn


@dataclass
class Child:
    name: str
    spawn: Spawn
    output: ChildOutput | None  # None: the process writes `log_file` itself (Redis)
    log_file: Path | None = None
    optional: bool = False  # the run goes on without it (the web process)
    stop_timeout: float = 30.0
    process: subprocess.Popen[bytes] | None = None
    restarts: Restarts = field(default_factory=Restarts)
    due: float | None = None  # monotonic time of the next start, after an exit
    given_up: bool = False

    @property
    def log_path(self) -> str:
        path = self.output.path if self.output else self.log_file
        return str(path) if path else ""

    def last_line(self) -> str:
        """The last line it wrote: why it stopped, often."""
        if self.output is not None:
            return self.output.last_line
        if self.log_file is None:
            return ""
        try:
            with open(self.log_file, "rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - 4096))
                lines = log.read().decode("utf-8", "replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1].strip() if lines else ""

    @property
    def pipe(self) -> int | None:
        """The descriptor its output arrives on, while it runs."""
        if self.process is None:
            return None
        stream = self.process.stdout or self.process.stderr
        return stream.fileno() if stream is not None and not stream.closed else None

    def start(self) -> None:
        self.due = None
        if self.output is not None:
            self.output.flush()  # the last process's half line; the new one starts unseen
        self.process = self.spawn()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: int) -> None:
        if self.running():
            assert self.process is not None
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(sig)

    def kill_group(self) -> None:
        """SIGKILL whatever is left of its process group (a prefork pool orphaned by a
        killed Celery main process); the group outlives its leader's pid, so this is safe."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def close_pipe(self) -> None:
        if self.process is not None:
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()
        if self.output is not None:
            self.output.flush()
