"""The faults of `make chaos`, injected into a running bench System: kill -9 or SIGTERM of a
process (started again a second later, as `statusmon run`'s supervisor does), and Redis frozen.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.chaos_rows import DOWN, FAULTS, FREEZE, FULL
from bench.chaos_sentinel import failover
from bench.procs import Child, celery
from bench.system import System
from monitor import keys, store
from monitor.cli import redis_server

RUN = [sys.executable, "-m", "monitor", "run"]
RESTART_AFTER = 1.0  # seconds: the supervisor's first back-off
BALLAST = keys.PREFIX + "chaos:ballast"


class Injector:
    def __init__(self, system: System, rng: random.Random) -> None:
        self.system, self.rng = system, rng
        self.gone: list[Child] = []  # notifiers killed: their lines count
        self.notes: list[str] = []
        self.blackouts: list[tuple[float, float]] = []  # (from, to): no poll could run
        self.lock = threading.Lock()  # the children, between a kill and the watch
        self.watching = threading.Event()

    def supervise(self) -> None:
        """Worker, notifier and beat under one `statusmon run` (on the system's Redis), whose
        stdout — the status lines — stands where the notifier's was."""
        for name in ("worker", "notifier"):
            if name in self.system.children:
                self.system.children.pop(name).stop()
        self.system.env["PORT"] = str(redis_server.free_port())
        self._start_run()

    def _start_run(self) -> None:
        run = Child("notifier", RUN, self.system.env, self.system.run_dir)
        self.system.children["notifier"] = run

    def wait_first_polls(self, pages: int, timeout: float) -> None:
        """Until every page was polled once (its state saved): the scenario starts on a
        system in its steady state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(1 for _ in self.system.r.scan_iter(keys.state("*"), count=1000)) >= pages:
                return
            time.sleep(0.5)
        raise RuntimeError(f"first polls not done in {timeout}s; see {self.system.run_dir}")

    def watch(self) -> None:
        """Start again, a second later, a bare process that exited by itself (a crash), as
        `statusmon run`'s supervisor does; each one is noted in the row."""
        self.watching.set()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while self.watching.is_set():
            time.sleep(0.5)
            with self.lock:
                for name in ("worker", "notifier", "beat"):
                    child = self.system.children.get(name)
                    if child is None or child.process.poll() is None:
                        continue
                    self.notes.append(f"the {name} exited by itself and was started again")
                    if name == "notifier":
                        self.gone.append(child)
                    time.sleep(RESTART_AFTER)
                    self.system.children[name] = celery(name, self.system.env, self.system.run_dir)

    def inject(self, name: str) -> None:
        children = self.system.children
        if name == "notifier-kill":
            self._kill("notifier", signal.SIGKILL)
        elif name == "worker-kill":
            self._kill("worker", signal.SIGKILL, group=True)
        elif name == "child-kill":
            pool = _children(children["worker"].process.pid)
            if pool:
                os.kill(self.rng.choice(pool), signal.SIGKILL)
        elif name == "web-kill":
            workers = _children(children["web"].process.pid)
            if workers:
                os.kill(self.rng.choice(workers), signal.SIGKILL)
        elif name == "run-hup":
            run = self.system.children.pop("notifier")
            began = time.time()
            os.kill(run.process.pid, signal.SIGHUP)
            run.process.wait(120)
            self.gone.append(run)
            time.sleep(RESTART_AFTER)
            self._start_run()
            self.system.wait_workers({"poll", "notifier"}, timeout=120)
            self.blackouts.append((began, time.time()))  # stopped, by design, until it is up
        elif name == "run-second":
            second = Child("second", RUN, self.system.env, self.system.run_dir)
            code = second.process.wait(120)
            second.stop()
            self.notes.append(f"second run: exit {code}, {len(second.lines)} lines on stdout")
        elif name == "beat-kill":
            self._kill("beat", signal.SIGKILL)
        elif name == "beat-term":
            self._kill("beat", signal.SIGTERM)
        elif name in ("redis-term", "redis-kill", "redis-down"):
            self._restart_redis(signal.SIGKILL if name == "redis-kill" else signal.SIGTERM, name)
        elif name == "redis-full":
            self._fill()
        elif name == "sentinel-failover":
            self.notes += failover(self)
        elif name == "redis-freeze":
            pid = self.system.redis.process.pid
            began = time.time()
            os.kill(pid, signal.SIGSTOP)
            time.sleep(FREEZE)
            os.kill(pid, signal.SIGCONT)
            self.blackouts.append((began, time.time()))
        else:
            raise KeyError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")

    def _kill(self, name: str, sig: int, group: bool = False) -> None:
        """The process (its group: the children a lifeline takes with it), then a new one."""
        with self.lock:
            child = self.system.children.pop(name)
        began = time.time()
        os.kill(child.process.pid, sig)
        child.process.wait(60)
        if group:  # what is left of the group (prefork children) dies with its parent
            _kill_group(child.process.pid)
        if name == "notifier":
            self.gone.append(child)
        else:
            child.stop()
        time.sleep(RESTART_AFTER)
        restarted = time.time()
        with self.lock:
            self.system.children[name] = celery(name, self.system.env, self.system.run_dir)
        if name == "worker":  # no poll (nor tick) runs without it: a blackout until it is up
            self.system.wait_workers({"poll"}, timeout=120)
            self.blackouts.append((began, time.time()))
        elif name == "beat":  # the only scheduler: a blackout until its first tick ran
            self._wait_tick(after=restarted)
            self.blackouts.append((began, time.time()))

    def _wait_tick(self, after: float, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while (store.last_seen(self.system.r, keys.BEAT_ROLE) or 0.0) <= after:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no tick {timeout}s after beat restarted; see {self.system.run_dir}"
                )
            time.sleep(0.2)

    def _restart_redis(self, sig: int, name: str) -> None:
        old = self.system.redis
        began = time.time()
        old.process.send_signal(sig)
        old.process.wait(60)
        time.sleep(DOWN if name == "redis-down" else RESTART_AFTER)
        self.system.redis = redis_server.start(
            old.data_dir, old.port, persist=True, password=old.password, log_path=old.log_path
        )
        self.blackouts.append((began, time.time()))  # until it answers again

    def _fill(self) -> None:
        """Redis at 90 % of its maxmemory (past the 0.8 default) for FULL seconds."""
        r = self.system.r
        began = time.time()
        r.setrange(BALLAST, (64 << 20) - 1, "x")
        r.config_set("maxmemory", int(r.info("memory")["used_memory"] / 0.9))
        time.sleep(FULL)
        r.delete(BALLAST)
        r.config_set("maxmemory", 0)
        self.blackouts.append((began, time.time()))  # the tick held polls back

    def heal(self) -> None:
        """Nothing left stopped or frozen."""
        os.kill(self.system.redis.process.pid, signal.SIGCONT)

    def printed(self) -> list[tuple[float, dict[str, Any]]]:
        notifiers = [*self.gone, self.system.children["notifier"]]
        lines = [line for child in notifiers for line in list(child.lines)]
        return [(t, json.loads(text)) for t, text in lines if text.startswith("{")]

    def stop(self) -> None:
        self.watching.clear()
        with self.lock:
            self.heal()
        for child in self.gone:
            child.stop()

    @property
    def redis(self) -> store.Redis:
        return self.system.r


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return found


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
