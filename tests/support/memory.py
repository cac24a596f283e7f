"""A Redis near its maxmemory, for back-pressure tests: a ballast key makes the headroom
(maxmemory - used) megabytes, not the few kilobytes the next client connection eats."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis

from monitor import keys

BALLAST = keys.PREFIX + "test:ballast"  # in the statusmon keyspace: the `r` fixture drops it
BALLAST_BYTES = 8 << 20


@contextmanager
def maxmemory_restored(r: redis.Redis) -> Iterator[redis.Redis]:
    """`r`; after the block, no maxmemory (the suite's Redis has none) and no ballast."""
    try:
        yield r
    finally:
        r.config_set("maxmemory", 0)
        r.delete(BALLAST)


def fill_to(r: redis.Redis, share: float) -> None:
    """Make what Redis uses `share` of its maxmemory, with megabytes of headroom."""
    r.setrange(BALLAST, BALLAST_BYTES - 1, "x")  # made in Redis: no 8 MB query buffer to count
    r.config_set("maxmemory", int(r.info("memory")["used_memory"] / share))


def drain(r: redis.Redis) -> None:
    """Free the ballast: memory falls far below any threshold (maxmemory stays)."""
    r.delete(BALLAST)
