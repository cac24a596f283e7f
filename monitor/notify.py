"""Claim an event atomically, print it, mark it printed.

Delivery guarantee: **at-least-once**, never lost, at most one duplicate in a crash window.
The claim (`SET key claimed NX EX 60`) is short-lived; only after the line is written and
flushed does the key become `printed` for the dedup TTL. The task is acknowledged after it
returns (acks_late, reject_on_worker_lost). Each window and what it costs:

- killed before the claim: the task is redelivered and prints. Costs a delay.
- killed after the claim, before the write: the claim expires (CLAIM_TTL) and the redelivered
  task prints. Costs a delay: the claim's 60 s. (A task a killed notifier held is handed back
  as the next notifier starts, or after 90 s by the sweep of a running one:
  workers/notify_broker.py.)
- killed after the write, before the mark: the redelivered task finds the claim expired and
  prints again. Costs one duplicate line; the only window that can. The event log entry and
  the channels' deliveries are written with the mark, in one Lua script (monitor.eventlog):
  the reprint appends and files them once, as the mark happens once.
- the write raises (a closed stream, an unencodable line): the claim is released at once and
  the task retries with back-off, so the line is printed by the retry, never acknowledged
  unprinted.

The loser of a claim race gets `in_flight` and retries after the claim TTL; it prints only if
the winner never marked the event printed.

`fault`, for tests only, is called with the name of each step just done (STEPS: "received",
"claimed", "written", "marked"), so a test can stop the delivery in each window above
deterministically (tests/test_notify_windows.py) rather than by a timed kill.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import redis

from monitor import keys
from monitor.eventlog import Recorder
from monitor.events import StatusEvent

Outcome = Literal["printed", "duplicate", "in_flight"]
CLAIMED, PRINTED = "claimed", "printed"
STEPS = ("received", "claimed", "written", "marked")


def _no_fault(step: str) -> None:
    return None


def deliver(
    r: redis.Redis,
    event: StatusEvent,
    write: Callable[[StatusEvent], None],
    dedup_ttl: int,
    claim_ttl: int = keys.CLAIM_TTL,
    recorder: Recorder | None = None,
    fault: Callable[[str], None] = _no_fault,
) -> Outcome:
    """`recorder`: the mark also appends the event to the log and files its deliveries.
    `fault`: called after each step (STEPS), for tests."""
    key = keys.event(event.dedup_key)
    fault("received")
    if not r.set(key, CLAIMED, nx=True, ex=claim_ttl):
        # Lost the claim: printed already (drop), or another notifier is printing it right now.
        return "duplicate" if r.get(key) == PRINTED else "in_flight"
    fault("claimed")
    try:
        write(event)
    except Exception:
        r.delete(key)  # not printed: free the claim for the retry, which prints it
        raise
    fault("written")
    if recorder is None:
        r.set(key, PRINTED, ex=dedup_ttl)
    else:
        recorder.mark(r, event, dedup_ttl)
    fault("marked")
    return "printed"
