"""Shared fixtures: a real Redis server, a loopback page server, real Celery workers."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import store
from monitor.cli import redis_server
from monitor.simulate.pages import Layout
from monitor.simulate.server import SimServer
from tests.support.pageserver import PageServer
from tests.support.procs import Proc, celery_proc

_RUN_DIR = Path(tempfile.mkdtemp(prefix="statusmon-tests-"))
_REDIS = redis_server.start(_RUN_DIR / "redis", persist=False)
# Before anything imports celeryconfig: the app under test talks to the suite's own Redis.
os.environ["REDIS_URL"] = _REDIS.url
os.environ.setdefault("MONITOR_DATA", str(_RUN_DIR / "data"))


def pytest_unconfigure(config: pytest.Config) -> None:
    _REDIS.stop()


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _REDIS.url


@pytest.fixture
def r(redis_url: str) -> Iterator[store.Redis]:
    """A clean statusmon keyspace (Celery's own queue keys are left alone)."""
    client = store.connect(redis_url)
    _clean(client)
    yield client
    _clean(client)
    client.close()


def _clean(client: store.Redis) -> None:
    keys = list(client.scan_iter("statusmon:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session")
def page_server() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()


@pytest.fixture
def pages(page_server: PageServer) -> PageServer:
    page_server.clear()
    return page_server


@pytest.fixture
def sim() -> Iterator[SimServer]:
    """`statusmon simulate` with one Statuspage-shaped page, in a thread (test_simulator.py
    overrides it with a wider layout)."""
    server = SimServer(Layout(pages=1)).start_in_thread()
    yield server
    server.close()


class Workers:
    """A poll worker and a notifier, started with the production commands."""

    def __init__(self, redis_url: str, log_dir: Path) -> None:
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "INFO",
            "POLL_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        }
        self.log_dir = log_dir
        self.poll = celery_proc("worker", self.env, log_dir)
        self.notifier = celery_proc("notifier", self.env, log_dir)

    def start(self) -> Workers:
        seen = list(self.notifier.lines)
        self.poll = celery_proc("worker", self.env, self.log_dir).start()
        self.notifier = celery_proc("notifier", self.env, self.log_dir)
        self.notifier.lines = seen
        self.notifier.start()
        wait_ready({"poll", "notifier"}, [self.poll, self.notifier])
        return self

    def stop(self) -> None:
        for proc in (self.poll, self.notifier):
            if proc.process is not None:
                proc.stop()

    def restart(self) -> None:
        self.stop()
        self.start()


def wait_ready(names: set[str], procs: list[Proc], timeout: float = 60) -> None:
    from workers.celery_app import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        up = {name.split("@")[0] for reply in replies for name in reply}
        if names <= up:
            return
        for proc in procs:
            assert proc.process is not None
            if proc.process.poll() is not None:
                raise AssertionError(f"{proc.name} exited:\n{proc.log_tail()}")
    raise AssertionError(f"workers {names} not ready in {timeout}s")


@pytest.fixture(scope="session")
def workers(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    system = Workers(redis_url, tmp_path_factory.mktemp("workers")).start()
    yield system
    system.stop()
