"""`python -m monitor.cli.health ROLE [MAX_AGE]`: exit 0 if ROLE's heartbeat is fresh, else 1.

Container healthchecks use it where Celery has no ping: `beat` is healthy while its ticks run
(the tick task writes the beat heartbeat), so a beat that stopped ticking turns unhealthy.
"""

from __future__ import annotations

import sys
import time

import redis

from monitor import store
from monitor.settings import load_settings


def fresh(r: store.Redis, role: str, max_age: float, now: float | None = None) -> bool:
    seen = store.last_seen(r, role)
    return seen is not None and (now or time.time()) - seen <= max_age


def main(argv: list[str]) -> int:
    role, max_age = argv[0], float(argv[1]) if len(argv) > 1 else 30.0
    try:
        ok = fresh(store.connect(load_settings().redis), role, max_age)
    except redis.RedisError as exc:
        print(f"{role}: Redis unavailable: {exc}", file=sys.stderr)
        return 1
    if not ok:
        print(f"{role}: no heartbeat in the last {max_age:.0f}s", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
