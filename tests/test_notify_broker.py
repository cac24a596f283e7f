"""A line taken by a notifier killed with it in hand comes back as the next notifier starts
(workers/notify_broker.py), not after a visibility timeout; the notifier's bookkeeping lives in
keys of its own, apart from the poll worker's."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from monitor import keys, store
from monitor.events import StatusEvent
from tests.support import faulty_notifier
from tests.support.events import an_outage
from tests.support.procs import Proc, records
from workers import notify_broker
from workers.tasks import WRITE_RETRY_CAP, notify


def event() -> StatusEvent:
    return an_outage("k-notify-broker")


def test_a_line_held_by_a_killed_notifier_is_printed_as_soon_as_the_next_one_starts(
    own_redis: str, tmp_path: Path
) -> None:
    env = {**os.environ, "REDIS_URL": own_redis, "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    marker = tmp_path / "killed"
    argv = faulty_notifier.argv("received", marker, env)
    first = Proc("notifier", argv, env, tmp_path).start()
    with notify.app.connection_for_write(own_redis) as connection:
        notify.apply_async((event().to_dict(),), connection=connection)
    assert first.process is not None
    assert first.process.wait(timeout=120) == -signal.SIGKILL  # died with the line in hand
    first.stop()
    client = store.connect(own_redis)
    held = notify_broker.OPTIONS["unacked_index_key"]
    assert client.zcard(held) == 1  # in the notifier's own keys
    assert client.zcard("unacked_index") == 0  # the poll worker's sweep never sees it

    started = time.monotonic()
    again = Proc("notifier", argv, env, tmp_path).start()
    try:
        printed = again.wait_lines(2, timeout=60)
    finally:
        again.stop()
    took = time.monotonic() - started
    assert len(records(printed)) == 1
    assert took < notify_broker.VISIBILITY_TIMEOUT / 2  # handed back at start, not by timeout
    assert client.zcard(held) == 0
    assert client.llen(keys.NOTIFY_QUEUE) == 0


def test_no_retry_of_a_line_is_held_past_the_notifiers_visibility_timeout() -> None:
    """A countdown past it would have the sweep hand a held retry back: a second copy."""
    assert max(keys.CLAIM_TTL, WRITE_RETRY_CAP) < notify_broker.VISIBILITY_TIMEOUT
