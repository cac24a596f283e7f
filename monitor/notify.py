"""Claim an event atomically, print it, mark it printed.

Delivery guarantee: **at-least-once**. The claim (`SET key claimed NX EX 60`) is short-lived;
only after the line is written and flushed does the key become `printed` for the dedup TTL.
If the notifier dies between claim and print, the claim expires and the redelivered task
(acks_late + reject_on_worker_lost) prints it: a line may, in that rare crash, be printed twice
but is never lost. The loser of a claim race gets `in_flight` and retries after the claim TTL;
it prints only if the winner never marked the event printed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import redis

from monitor import keys
from monitor.events import StatusEvent

Outcome = Literal["printed", "duplicate", "in_flight"]
CLAIMED, PRINTED = "claimed", "printed"


def deliver(
    r: redis.Redis,
    event: StatusEvent,
    write: Callable[[StatusEvent], None],
    dedup_ttl: int,
    claim_ttl: int = keys.CLAIM_TTL,
) -> Outcome:
    key = keys.event(event.dedup_key)
    if r.set(key, CLAIMED, nx=True, ex=claim_ttl):
        write(event)  # raises -> claim stays until it expires, then a retry prints it
        r.set(key, PRINTED, ex=dedup_ttl)
        return "printed"
    # Lost the claim: printed already (drop), or another notifier is printing it right now.
    return "duplicate" if r.get(key) == PRINTED else "in_flight"
