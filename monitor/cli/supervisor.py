"""The loop of `statusmon run`: one thread that starts the children, carries their output to
their log files and the console, starts again a child that exited, and stops them in order.

One thread on purpose: every child is forked by it, so each child's lifeline (PR_SET_PDEATHSIG
follows the forking thread) lasts as long as the supervisor. SIGINT, SIGTERM and SIGHUP stop
the run: web and beat first (no new work), then the workers (Celery's warm shutdown: a task in
progress finishes, the ones not started go back to the queue), Redis last. A second signal
kills what is still running, but Redis, which saves its data and exits within a moment.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from types import FrameType

from monitor.cli.children import Child
from monitor.cli.console import PEOPLE

log = logging.getLogger("statusmon.run")
people = logging.getLogger(PEOPLE)  # plain sentences on a terminal (console.for_people)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_PHASES = (("web", "beat", "flower"), ("worker", "deliverer", "notifier"), ("redis",))
TICK = 0.5  # seconds: the longest the loop sleeps without looking at its children


class CrashLoop(Exception):
    pass


class Supervisor:
    def __init__(self, children: Sequence[Child]) -> None:
        self.children = list(children)
        self.stop_signal: int | None = None
        self.hurry = False  # a second stop signal: kill instead of waiting
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        for sock in (self._wake_r, self._wake_w):
            sock.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)

    def run(self) -> int:
        """Start every child, watch them until a stop signal (0) or a crash loop (1)."""
        old = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        old[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the loop
        old_fd = signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
        try:
            for child in (c for c in self.children if not c.running()):
                self._start(child)
            while self.stop_signal is None:
                self._pump(TICK)
                self._watch()
            people.info("%s: stopping", signal.Signals(self.stop_signal).name)
            return 0
        except CrashLoop as exc:
            log.error("%s", exc)
            return 1
        finally:
            self.stop_all()
            signal.set_wakeup_fd(old_fd)
            for sig, handler in old.items():
                signal.signal(sig, handler)
            self._selector.close()
            self._wake_r.close()
            self._wake_w.close()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is not None:
            self.hurry = True
        self.stop_signal = signum

    def _start(self, child: Child) -> None:
        try:
            child.start()
        except (OSError, RuntimeError) as exc:
            self._exited(child, f"did not start ({exc})", said=True)
            return
        assert child.process is not None
        if child.pipe is not None:
            self._selector.register(child.pipe, selectors.EVENT_READ, child)
        log.debug("started %s (pid %d)", child.name, child.process.pid)

    def _pump(self, timeout: float) -> None:
        """Wait up to `timeout` s for output or a signal; carry what came to the log files."""
        for key, _ in self._selector.select(timeout):
            child = key.data
            if child is None:
                with contextlib.suppress(BlockingIOError):
                    self._wake_r.recv(4096)
                continue
            data = os.read(key.fd, 65536)
            if data:
                child.output.feed(data)
            else:  # EOF: the child (and everything that shared its output) is gone
                self._selector.unregister(key.fd)
                child.close_pipe()

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.process is not None and child.due is None and not child.running():
                code = child.process.returncode
                child.kill_group()
                self._drain(child)
                self._exited(child, _how(code), said=code is not None and code < 0)
            if child.due is not None and now >= child.due:
                self._start(child)

    def _exited(self, child: Child, how: str, said: bool = False) -> None:
        """`said`: `how` is the whole story (a signal); else its last line often says why."""
        delay = child.restarts.delay_after_exit(time.monotonic())
        last = "" if said else child.last_line()[:300]
        why = f" (last line: {last})" if last else ""
        where = f"; its log: {child.log_path}" if child.log_path else ""
        if delay is None:
            limit, window = child.restarts.limit, child.restarts.window
            loop = f"{child.name} exited {limit} times in {window:.0f} s{why}{where}"
            if not child.optional:
                raise CrashLoop(f"{loop}; stopping everything")
            log.error("%s; not starting it again, the rest keeps running", loop)
            child.given_up, child.process, child.due = True, None, None
            return
        log.warning("%s %s%s; starting it again in %.0f s%s", child.name, how, why, delay, where)
        child.due = time.monotonic() + delay

    def _drain(self, child: Child) -> None:
        """Read what the exited child left in its pipe (its last words), then close it."""
        fd = child.pipe
        if fd is None:
            return
        with contextlib.suppress(KeyError):
            self._selector.unregister(fd)
        with contextlib.suppress(OSError):
            os.set_blocking(fd, False)
            while data := os.read(fd, 65536):
                assert child.output is not None
                child.output.feed(data)
        child.close_pipe()

    def stop_all(self) -> None:
        """Phase by phase: SIGTERM, then wait (carrying output) until they exit or time out."""
        for phase in range(len(STOP_PHASES)):
            group = [c for c in self.children if _phase(c.name) == phase and c.running()]
            for child in group:
                child.signal(signal.SIGTERM)
            deadline = time.monotonic() + max((c.stop_timeout for c in group), default=0)
            while any(c.running() for c in group):
                if (self.hurry and phase < len(STOP_PHASES) - 1) or time.monotonic() > deadline:
                    for child in (c for c in group if c.running()):
                        log.warning("%s did not stop; killing it", child.name)
                        child.kill_group()
                    break
                self._pump(0.1)
            for child in group:
                if child.process is not None:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        child.process.wait(5)
                child.kill_group()
                self._drain(child)
        for child in self.children:
            self._drain(child)  # one that ended before the stop may have left words unread
            if child.output is not None:
                child.output.close()


def _phase(name: str) -> int:
    """Which stop phase a child is in; any process not named in one stops with the workers."""
    return next((i for i, names in enumerate(STOP_PHASES) if name in names), 1)


def _how(code: int | None) -> str:
    if code is not None and code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"
