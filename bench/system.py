"""Start the whole system for a benchmark: Redis, simulator, poll worker, notifier (and beat)."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import requests

from bench.procs import Child, celery, pid_cpu, simulator
from monitor import store
from monitor.cli import processes, redis_server
from monitor.settings import load_settings
from tests.support.sentinels import SentinelSetup


@dataclass
class System:
    pages: int
    hosts: int
    incidentio_every: int
    interval: int
    scenario: Path | None = None
    webhook_every: int = 0  # > 0: a web process takes webhooks from every k-th Statuspage page
    persist: bool = False  # Redis with its append-only file (bench/chaos.py restarts it)
    workers: bool = True  # start the poll worker and the notifier (False: the caller runs them)
    beat: bool = False  # start beat with them (the first ticks wait for the workers in Redis)
    sentinel: bool = False  # a primary, a replica, three sentinels (bench/chaos_sentinel.py)
    ha: SentinelSetup | None = None  # that setup, once started
    run_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="statusmon-bench-")))
    children: dict[str, Child] = field(default_factory=dict)

    def start(self) -> System:
        """Everything up, or everything that did start stopped again."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> System:
        where = self._start_redis()
        self.env = {
            **os.environ,
            **where,
            "MONITOR_DATA": str(self.run_dir / "data"),
            "MONITOR_PAGES": str(self.run_dir / "pages.yaml"),
            "MONITOR_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
        }
        os.environ.update(where)  # before anything imports celeryconfig
        self.r = store.connect(load_settings(self.env).redis)
        args = ["--pages", str(self.pages), "--hosts", str(self.hosts)]
        args += ["--incidentio-every", str(self.incidentio_every), "--interval", str(self.interval)]
        args += [
            "--pages-file",
            self.env["MONITOR_PAGES"],
            "--record",
            str(self.run_dir / "published.jsonl"),
        ]
        if self.scenario is not None:
            args += ["--scenario", str(self.scenario), "--wait-start"]
        if self.webhook_every:
            args += self._webhooks()
        self.children["simulate"], ready = simulator(args, self.env, self.run_dir)
        self.control = str(ready["control"])
        self.http = requests.Session()
        if self.workers:
            self.children["worker"] = celery("worker", self.env, self.run_dir, ["-I", "bench.noop"])
            self.children["notifier"] = celery("notifier", self.env, self.run_dir)
        if self.beat:
            self.children["beat"] = celery("beat", self.env, self.run_dir)
        if self.workers:
            self.wait_workers({"poll", "notifier"})
        return self

    def _start_redis(self) -> dict[str, str]:
        """Redis up; the variables that point every process at it."""
        if self.sentinel:
            from bench.chaos_sentinel import start_ha

            return start_ha(self)
        self.redis = redis_server.start(self.run_dir / "redis", persist=self.persist)
        return {"REDIS_URL": self.redis.url}

    def start_web(self) -> None:
        """The webhook ingress, once the pages file exists (it reads it at start)."""
        if self.webhook_every and "web" not in self.children:
            argv = processes.command("web", self.env)
            self.children["web"] = Child("web", argv, self.env, self.run_dir)
            self._wait_web()

    def _webhooks(self) -> list[str]:
        """The web process on a free port; unsigned Statuspage webhooks with a path token."""
        token = "bench-" + secrets.token_hex(12)
        self.env["PORT"] = str(redis_server.free_port())
        self.env["WEB_HOST"] = "127.0.0.1"
        self.env["WEBHOOK_RATE_LIMIT"] = "100000/minute"  # one sender address: the simulator
        self.env["WEB_CONCURRENCY"] = "1"  # one gunicorn worker: each loads all the pages
        self.web = f"http://127.0.0.1:{self.env['PORT']}"
        url = self.web + "/webhook/{page_id}/" + token
        every = str(self.webhook_every)
        return ["--webhook-url", url, "--webhook-every", every, "--webhook-token", token]

    def _wait_web(self, timeout: float = 240) -> None:
        """Up when the app answers at all (/health says 503 until beat runs)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.http.get(self.web + "/health", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.5)
        raise RuntimeError(f"web process not up in {timeout}s; see {self.run_dir}/web.log")

    def wait_workers(self, names: set[str], timeout: float = 60) -> None:
        from workers.celery_app import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=0.5) or []
            if names <= {n.split("@")[0] for reply in replies for n in reply}:
                return
        raise RuntimeError(f"workers {names} not up in {timeout}s; logs in {self.run_dir}")

    def cpu_readers(self) -> dict[str, Callable[[], float]]:
        """CPU seconds so far of each process of the system (Redis included)."""
        readers: dict[str, Callable[[], float]] = {n: c.cpu for n, c in self.children.items()}
        readers["redis"] = partial(pid_cpu, self.redis.process.pid)
        return readers

    @property
    def worker_name(self) -> str:
        import socket

        return f"poll@{socket.gethostname()}"

    def sim(self, action: str, method: str = "GET", **kw: Any) -> Any:
        response = self.http.request(method, f"{self.control}/{action}", timeout=120, **kw)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        """Every child asked to stop at once (beat first), then each waited for."""
        order = ("beat", "web", "worker", "notifier", "simulate")
        children = [self.children.pop(n) for n in order if n in self.children]
        children += [self.children.pop(n) for n in list(self.children)]
        for child in children:
            child.terminate()
        for child in children:
            child.stop()
        if self.ha is not None:  # the sentinels and both data nodes
            self.ha.stop()
        for resource in ("http", "r", "redis"):
            if hasattr(self, resource):
                getattr(self, resource).close() if resource != "redis" else self.redis.stop()
                delattr(self, resource)
