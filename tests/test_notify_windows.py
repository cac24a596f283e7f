"""Each crash window of monitor.notify, stopped deterministically by its fault hook on a real
Redis: the delivery dies right after a step (as a kill -9 would: no cleanup runs), and the
redelivered task — as the broker hands it back — finishes it. Each window costs what
notify.py says: never a lost line, at most one duplicate (only between write and mark)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor import keys, store
from monitor.eventlog import Recorder
from monitor.events import StatusEvent
from monitor.notify import CLAIMED, PRINTED, STEPS, deliver
from tests.support import faulty_notifier
from tests.support.events import an_outage
from tests.support.keyspace import wait_for_expiry
from tests.support.procs import Proc, records
from tests.support.wait import wait_until
from workers.tasks import notify

CLAIM_TTL = 1  # seconds: the redelivered task waits this long for a dead claim to expire
LINES = {"received": 1, "claimed": 1, "written": 2, "marked": 1}  # lines printed in all
LEFT = {"received": None, "claimed": CLAIMED, "written": CLAIMED, "marked": PRINTED}


class Killed(BaseException):
    """The process died here: no `except Exception` (the claim's release) runs."""


def kill_after(step: str) -> Callable[[str], None]:
    def fault(done: str) -> None:
        if done == step:
            raise Killed(step)

    return fault


def event() -> StatusEvent:
    return an_outage("k-crash-window")


def test_the_hook_names_every_step_in_order(r: store.Redis) -> None:
    done: list[str] = []
    assert deliver(r, event(), lambda e: None, 600, fault=done.append) == "printed"
    assert tuple(done) == STEPS


@pytest.mark.parametrize("step", STEPS)
def test_a_notifier_killed_after_each_step_loses_no_line_and_duplicates_one_at_most(
    r: store.Redis, step: str
) -> None:
    printed: list[StatusEvent] = []
    recorder = Recorder(ZoneInfo("UTC"), 90)
    key = keys.event(event().dedup_key)

    def attempt(fault: Callable[[str], None] = lambda done: None) -> str:
        return deliver(r, event(), printed.append, 600, CLAIM_TTL, recorder, fault)

    with pytest.raises(Killed):
        attempt(kill_after(step))
    assert r.get(key) == LEFT[step]
    if r.get(key) == CLAIMED:  # the dead notifier's claim: a redelivery now waits it out
        assert attempt() == "in_flight"
        wait_for_expiry(r, key, timeout=30)
    assert attempt() == ("duplicate" if step == "marked" else "printed")
    assert attempt() == "duplicate"  # and never again
    assert printed == [event()] * LINES[step]
    assert r.xlen(keys.EVENTS) == 1  # the log (and any delivery) is written once, with the mark


def test_a_real_notifier_killed_between_write_and_mark_prints_one_duplicate_once_restarted(
    own_redis: str, tmp_path: Path
) -> None:
    """The costliest window, on a real notifier: the redelivered task waits out the dead
    claim (CLAIM_TTL) and prints the line again; the claimed window is the same wait, silent."""
    step, lines = "written", 2
    env = {**os.environ, "REDIS_URL": own_redis, "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    marker = tmp_path / "killed"
    notifier = Proc("notifier", faulty_notifier.argv(step, marker, env), env, tmp_path).start()
    with notify.app.connection_for_write(own_redis) as connection:
        notify.apply_async((event().to_dict(),), connection=connection)
    assert notifier.process is not None
    assert notifier.process.wait(timeout=120) == -signal.SIGKILL  # died right after `step`
    notifier.stop()  # reads the pipe to its end
    assert marker.exists()
    killed = list(notifier.lines)
    assert len(killed) == 2 * (lines - 1)  # the record (two lines) printed before the kill

    again = Proc("notifier", faulty_notifier.argv(step, marker, env), env, tmp_path)
    again.start()
    try:
        printed = again.wait_lines(2, timeout=120)  # the redelivered task, printed
        client = store.connect(own_redis)
        key = keys.event(event().dedup_key)
        wait_until(lambda: client.get(key) == PRINTED, "the event marked printed", 60)
    finally:
        again.stop()
    assert records(killed + printed) == records(printed) * lines
