"""`statusmon proc web` as a real child process: real gunicorn, the production argv, loopback."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor import store
from monitor.cli import processes
from monitor.cli.redis_server import free_port
from tests.support.procs import Proc
from tests.support.slow_clients import timed_get
from tests.support.web import HMAC_SECRET, Queue, write_pages

PAGE = "signed"  # the one page of web_pages(): takes HMAC-signed webhooks


def web_pages(folder: Path) -> Path:
    page = {"id": PAGE, "name": "Example", "url": "https://status.example.invalid"}
    return write_pages(
        folder, [{**page, "kind": "statuspage", "webhook": {"secrets": [HMAC_SECRET]}}]
    )


class Web:
    def __init__(self, proc: Proc, port: int, queue: Queue) -> None:
        self.proc, self.port, self.queue = proc, port, queue


@contextmanager
def web_process(folder: Path, redis_url: str, db: int, **env: str) -> Iterator[Web]:
    """The web process on a free port, its broker and limits in Redis database `db` (no worker
    consumes it, so what a request queued can be counted), answering before this yields."""
    broker = redis_url.rsplit("/", 1)[0] + f"/{db}"
    queue = Queue(broker)
    queue.clear()
    port = free_port()
    full = {
        **os.environ,
        "REDIS_URL": broker,
        "MONITOR_PAGES": str(web_pages(folder)),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        **env,
    }
    proc = Proc("web", processes.command("web", full), full, folder).start()
    try:
        _wait_until_serving(proc, port)
        yield Web(proc, port, queue)
    finally:
        proc.stop()
        queue.clear()
        queue.close()


def _wait_until_serving(proc: Proc, port: int, timeout: float = 30) -> None:
    """Until gunicorn has bound its port (refused before that) and its worker answers."""
    deadline, pause = time.monotonic() + timeout, threading.Event()
    while True:
        try:
            timed_get(port, timeout=max(0.1, deadline - time.monotonic()))
            return
        except ConnectionRefusedError:
            assert proc.process is not None
            if proc.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"web did not start:\n{proc.log_tail()}") from None
            pause.wait(0.05)  # the master binds within a second of starting


@contextmanager
def database(redis_url: str, db: int) -> Iterator[store.Redis]:
    """A client of the suite's Redis database `db` (the web process's, above), its statusmon
    keys deleted first."""
    client = store.connect(redis_url.rsplit("/", 1)[0] + f"/{db}")
    found = list(client.scan_iter("statusmon:*"))
    if found:
        client.delete(*found)
    try:
        yield client
    finally:
        client.close()
