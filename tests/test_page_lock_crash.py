"""A poll worker killed mid-poll holds its page no longer than its lock's lease (monitor.lease),
however long the poll it guarded could have run (keys.lock_ttl): a real worker is killed with
SIGKILL while a loopback server holds its GET open, and the page is polled again within the
lease and a worker's start, not after the fetch deadline's bound."""

from __future__ import annotations

import logging
import os
import signal
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from monitor import keys, store
from monitor.events import StatusEvent
from monitor.lease import LEASE
from monitor.pages import PageConfig
from monitor.poll import Poller
from monitor.registry import sync_pages
from monitor.session import new_session
from tests.support.pageserver import PageServer
from tests.support.procs import Proc, celery_proc
from tests.support.scenarios import StatuspageStory

DB = 8  # its own database: the suite's session workers (db 0) must not take this poll
FETCH_TIMEOUT = 30.0  # its bound, keys.lock_ttl: 125 s
SLACK = 20.0  # seconds for a new worker to start and take a poll on a loaded machine


class HoldingServer(socketserver.ThreadingTCPServer):
    """Reads each request and never answers it, until closed."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.requests_seen = 0
        self.changed = threading.Condition()
        self.release = threading.Event()
        server = self

        class Hold(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.rfile.readline()
                with server.changed:
                    server.requests_seen += 1
                    server.changed.notify_all()
                server.release.wait(120)

        super().__init__(("127.0.0.1", 0), Hold)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def wait_requests(self, count: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.requests_seen >= count, timeout)

    def close(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


@pytest.fixture
def holding() -> Iterator[HoldingServer]:
    server = HoldingServer()
    yield server
    server.close()


def test_a_page_whose_worker_was_killed_mid_poll_is_polled_again_within_the_lease(
    redis_url: str, holding: HoldingServer, tmp_path: Path
) -> None:
    url = redis_url.rsplit("/", 1)[0] + f"/{DB}"
    r = store.connect(url)
    r.flushdb()
    port = holding.server_address[1]
    page = PageConfig(id="held", name="Held", url=f"http://127.0.0.1:{port}", kind="statuspage")
    sync_pages(r, [page], time.time())
    env = {**os.environ, "REDIS_URL": url, "POLL_CONCURRENCY": "1", "PYTHONUNBUFFERED": "1"}
    env["MONITOR_FETCH_TIMEOUT"] = str(FETCH_TIMEOUT)
    sender = Celery("sender", broker=url, set_as_current=False)  # the suite's app stays current
    first = celery_proc("worker", env, tmp_path).start()
    second: Proc | None = None
    try:
        sender.send_task("statusmon.poll", ("held",), queue=keys.POLL_QUEUE)
        assert holding.wait_requests(1, timeout=90), first.log_tail()
        _kill_group(first)  # the main process and the pool child whose GET is held
        killed = time.monotonic()
        assert 0 < r.pttl(keys.lock(page.id)) <= LEASE * 1000  # what the dead worker left
        second = celery_proc("worker", env, tmp_path).start()
        while not holding.wait_requests(2, timeout=1):  # a poll each second, as ticks do
            assert time.monotonic() - killed < LEASE + SLACK, second.log_tail()
            sender.send_task("statusmon.poll", ("held",), queue=keys.POLL_QUEUE)
    finally:
        for proc in (first, second):
            if proc is not None:
                _kill_group(proc)
        r.flushdb()
        r.close()
        sender.close()


def _kill_group(proc: Proc) -> None:
    assert proc.process is not None
    if proc.process.poll() is None:
        os.killpg(proc.process.pid, signal.SIGKILL)
    proc.stop()


def test_the_lock_lives_the_fetch_deadline_times_the_gets_of_a_poll_plus_a_margin() -> None:
    assert keys.lock_ttl(10) == 45 == keys.LOCK_TTL
    assert keys.lock_ttl(3) == 17


def test_a_poll_that_outlives_its_lock_finishes_and_says_so(
    r: store.Redis, pages: PageServer, caplog: pytest.LogCaptureFixture
) -> None:
    pages.set_json("/api/v2/summary.json", StatuspageStory().summary("major_outage"))
    page = PageConfig(id="slow", name="Slow", url=pages.url, kind="statuspage")

    def emit(events: list[StatusEvent]) -> None:
        r.delete(keys.lock(page.id))  # the lock expired while the poll worked

    with caplog.at_level(logging.WARNING, "statusmon.poll"):
        result = Poller(r, new_session(), timeout=2).poll(page, emit)
    assert result.outcome == "changed"
    assert store.load_state(r, page.id) is not None  # its work is saved
    assert "page slow: the poll lost its page lock (it took longer than 13 s" in caplog.text
