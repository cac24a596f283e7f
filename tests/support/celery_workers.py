"""Real Celery workers for tests: a poll worker and a notifier started with the production
commands, one poll run on them, and what a queued message says."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from celery import Celery
from celery.result import AsyncResult

from monitor import store
from tests.support.procs import Proc, celery_proc
from tests.support.wait import wait_until


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


def wait_ready(
    names: set[str], procs: list[Proc], timeout: float = 60, broker: str | None = None
) -> None:
    """Until every named worker answers a ping (each ping waits up to 0.5 s for replies) on
    `broker`, the suite's by default. Node names are role@host: a test that starts its own
    worker of a role the session's `workers` also run gives it a broker of its own, or the
    session's worker answers for it."""
    from workers.celery_app import app  # not at import time: conftest sets REDIS_URL first

    if broker is not None:
        app = Celery("ping", broker=broker, set_as_current=False)  # the suite's app stays current
        app.config_from_object("celeryconfig")
    try:
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
    finally:
        if broker is not None:
            app.close()


def poll_now(page_id: str) -> tuple[str, list[str]]:
    """Run one poll on the real workers and wait until each event it sent was handled."""
    from workers.tasks import poll

    result: dict[str, Any] = poll.delay(page_id).get(timeout=60)
    outcomes = [AsyncResult(task_id).get(timeout=60) for task_id in result["notify"]]
    return result["outcome"], outcomes


def queued_expiry(r: store.Redis, queue: str, task_id: str) -> datetime:
    """When the message of task `task_id`, waiting in the broker's `queue` list, expires (its
    `expires` header, set by apply_async(expires=…)). A worker told to stop consuming `queue`
    may still take the message with the BRPOP it was already waiting in (up to the broker's
    polling_interval): kombu puts it back ("Requeuing undeliverable message"), so it is waited
    for, not only looked for."""

    def waiting() -> datetime | None:
        for raw in r.lrange(queue, 0, -1):
            headers = json.loads(raw)["headers"]
            if headers["id"] == task_id:
                return datetime.fromisoformat(headers["expires"])
        return None

    return wait_until(waiting, f"task {task_id} waiting in the {queue} queue", timeout=10)
