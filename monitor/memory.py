"""Back-pressure before Redis is full: polls are held back once Redis memory passes a share of
its maxmemory (REDIS_MEMORY_HIGH, 0.8 by default).

At maxmemory a Redis with `noeviction` refuses writes, and kombu cannot record a task it has
just taken as unacknowledged: that task would be lost. Polls are what fill Redis (page states,
queued polls, the events they find), so the tick stops handing out polls past the threshold;
everything already queued — status lines first — is still consumed, which frees memory, and
the tick resumes below it. Pages due meanwhile keep their place in the schedule and are polled
once when it resumes. /health says `"memory": "unhealthy"` (503) while polls are held back, and
/metrics has the figures.

INFO memory is read at most once every READ_EVERY seconds per gauge (one per process).
A Redis without maxmemory (0) is never high.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

log = logging.getLogger("statusmon.memory")
READ_EVERY = 3.0  # seconds between two reads of INFO memory


@dataclass(frozen=True)
class Memory:
    used: int  # used_memory, bytes
    limit: int  # maxmemory, bytes; 0: no limit
    high_at: float  # the share of `limit` past which polls are held back

    @property
    def ratio(self) -> float:
        """used / maxmemory, 0.0 without a limit."""
        return self.used / self.limit if self.limit else 0.0

    @property
    def high(self) -> bool:
        return self.limit > 0 and self.used >= self.high_at * self.limit


class MemoryGauge:
    """Redis memory against the threshold, read at most once every `every` seconds."""

    def __init__(
        self,
        r: redis.Redis,
        high_at: float,
        every: float = READ_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis, self.high_at, self.every, self.clock = r, high_at, every, clock
        self._last: Memory | None = None
        self._read_at = 0.0

    def read(self) -> Memory:
        """The last reading if it is younger than `every`; else INFO memory (RedisError if
        Redis does not answer)."""
        now = self.clock()
        if self._last is None or now - self._read_at >= self.every:
            info = self.redis.info("memory")
            self._last = Memory(int(info["used_memory"]), int(info["maxmemory"]), self.high_at)
            self._read_at = now
        return self._last


class PollGate:
    """The tick's question, "may I hand out polls?", logged once when the answer changes."""

    def __init__(self, gauge: MemoryGauge) -> None:
        self.gauge = gauge
        self.holding = False

    def open(self) -> bool:
        memory = self.gauge.read()
        if memory.high != self.holding:
            self.holding = memory.high
            if memory.high:
                log.warning(
                    "Redis memory at %.0f%% of maxmemory (REDIS_MEMORY_HIGH %.0f%%): "
                    "polls held back until it falls; queued status lines are still printed",
                    100 * memory.ratio,
                    100 * memory.high_at,
                )
            else:
                log.warning("Redis memory below REDIS_MEMORY_HIGH: polls resumed")
        return not memory.high
