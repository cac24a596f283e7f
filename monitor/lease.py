"""Page locks that die with their holder: a poll takes its page lock for LEASE seconds only,
and a thread of the process holding it renews it every RENEW_EVERY seconds while the poll
runs, up to the poll's bound (keys.lock_ttl: the fetch deadlines it guards). A holder killed
mid-poll stops renewing, and so does one whose poll ended without releasing its lock (Redis
went away before `finish`, a failover): the page is free again within LEASE seconds, not
lock_ttl. A 304 poll is over long before its first renewal, which costs it nothing.

The cost: a holder that cannot renew for LEASE seconds while alive (Redis unreachable from it
alone, a process stalled that long) loses its lock, and another poll may run beside it; both
emit the same data-derived dedup keys, so the notifier prints each change once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

import redis

log = logging.getLogger("statusmon.poll")

LEASE = 5.0  # seconds a page lock lives unless its holder renews it
RENEW_EVERY = 1.0  # seconds between renewals
IDLE_EXIT = 60.0  # seconds without a lock held after which the renewing thread ends

# Each lock still ours (its token) lives LEASE more milliseconds (ARGV[#KEYS + 1]).
RENEW = """
local n = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i] then
    redis.call('PEXPIRE', key, ARGV[#KEYS + 1])
    n = n + 1
  end
end
return n
"""


@dataclass
class Held:
    key: str
    taken: float  # time.monotonic() when it was taken
    until: float  # time.monotonic() past which it is no longer renewed (the poll's bound)


class Leases:
    """The page locks this process holds, renewed by one daemon thread (started on the first
    lock, ended after IDLE_EXIT seconds without one, started again in a forked child)."""

    def __init__(self, r: redis.Redis, lease: float = LEASE, every: float = RENEW_EVERY) -> None:
        self.r = r
        self.lease = lease
        self.every = every
        self.rounds = 0  # rounds of the renewing thread so far (tests wait on it)
        self._held: dict[str, Held] = {}  # by token
        self._mutex = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopped = threading.Event()
        self._renew = r.register_script(RENEW)

    @property
    def lease_ms(self) -> int:
        return int(self.lease * 1000)

    def hold(self, key: str, token: str, bound: float) -> None:
        """A lock just taken with PX lease_ms: renew it until `bound` seconds from now."""
        now = time.monotonic()
        with self._mutex:
            self._held[token] = Held(key, now, now + bound - self.lease)
            if self._thread is None or self._pid != os.getpid():
                self._start()

    def drop(self, token: str) -> None:
        """The poll holding it ended, its lock released or not: never renewed again."""
        with self._mutex:
            self._held.pop(token, None)

    def holding(self) -> int:
        """How many locks it renews now."""
        with self._mutex:
            return len(self._held)

    def stop(self) -> None:
        """Renew nothing from now on: the holder as good as dead (tests)."""
        self._stopped.set()

    def renew_once(self) -> int:
        """One round: the locks held at least `every` seconds and not past their bound live
        LEASE more seconds; how many were still ours."""
        now = time.monotonic()
        with self._mutex:
            due = [
                (token, held.key)
                for token, held in self._held.items()
                if held.taken <= now - self.every and held.until > now
            ]
        if not due:
            return 0
        tokens, lock_keys = zip(*due, strict=True)
        return int(self._renew(keys=list(lock_keys), args=[*tokens, self.lease_ms]))

    def _start(self) -> None:
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="lease", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        idle_since = time.monotonic()
        failing = False
        while not self._stopped.wait(self.every):
            with self._mutex:
                if self._held:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > IDLE_EXIT:
                    self._thread = None
                    return
            try:
                self.renew_once()
                failing = False
            except redis.RedisError as exc:  # the next round tries again; the lease is short
                if not failing:  # once per outage, not once a second
                    log.warning("page locks not renewed: %s", type(exc).__name__)
                failing = True
            self.rounds += 1
