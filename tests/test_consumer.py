"""A worker reconnects to a Redis that is back within seconds, however long it was away
(workers/consumer.py): kombu's default back-off would wait 12 s after the sixth failure."""

from __future__ import annotations

import os
import time
from pathlib import Path

from monitor.cli import processes, redis_server
from monitor.events import StatusEvent
from tests.support.events import an_outage
from tests.support.procs import Proc
from tests.support.wait import wait_until
from workers.consumer import RECONNECT_MAX
from workers.tasks import notify

FAILURES = 6  # failed attempts before Redis is back: kombu's next wait would be 12 s


def event() -> StatusEvent:
    return an_outage("k-reconnect")


def test_a_notifier_prints_within_seconds_of_redis_coming_back_after_a_long_outage(
    tmp_path: Path,
) -> None:
    server = redis_server.start(tmp_path / "redis", persist=False)
    env = {**os.environ, "REDIS_URL": server.url, "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    notifier = Proc("notifier", processes.command("notifier", env), env, tmp_path).start()
    try:
        wait_until(lambda: "ready" in notifier.log_tail(), "the notifier ready", 120)
        server.stop()

        def failures() -> int:
            return notifier.log_tail(200).count("Cannot connect to redis")

        wait_until(lambda: failures() >= FAILURES, f"{FAILURES} failed attempts", 120)
        server = redis_server.start(tmp_path / "redis", server.port, persist=False)
        back = time.monotonic()
        with notify.app.connection_for_write(server.url) as connection:
            notify.apply_async((event().to_dict(),), connection=connection)
        notifier.wait_lines(2, timeout=60)
        assert time.monotonic() - back < 3 * RECONNECT_MAX + 2  # kombu's default: 12 s or more
    finally:
        notifier.stop()
        server.stop()
