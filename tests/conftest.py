"""Shared fixtures: a real Redis server, a loopback page server, real Celery workers."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import keys, store
from monitor.cli import redis_server
from monitor.simulate.pages import Layout
from monitor.simulate.server import SimServer
from tests.support.celery_workers import Workers
from tests.support.ingress_app import queue_url
from tests.support.pageserver import PageServer
from tests.support.web import Queue

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
    found = list(client.scan_iter(keys.PREFIX + "*", count=1000))
    if found:
        client.delete(*found)


@pytest.fixture
def unwatched(redis_url: str) -> Iterator[tuple[store.Redis, str]]:
    """A clean database of the suite's Redis (4) where no worker runs, and its URL: for a test of
    a silent role, since the session's real notifier (`workers`) writes its heartbeat to
    database 0 every 2 s."""
    url = redis_url.rsplit("/", 1)[0] + "/4"
    client = store.connect(url)
    client.flushdb()
    yield client, url
    client.flushdb()
    client.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis of the test's own, its URL: no worker of the suite's (its notifier) takes its tasks."""
    server = redis_server.start(tmp_path / "redis", persist=False)
    yield server.url
    server.stop()


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


@pytest.fixture(scope="session")
def workers(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    system = Workers(redis_url, tmp_path_factory.mktemp("workers")).start()
    yield system
    system.stop()


@pytest.fixture(scope="module")
def queue(redis_url: str) -> Iterator[Queue]:
    """The web app's broker: a Redis database of its own that no worker consumes, so a test sees
    exactly what a request queued (tests/support/web.py)."""
    q = Queue(queue_url(redis_url))
    yield q
    q.clear()
    q.close()
