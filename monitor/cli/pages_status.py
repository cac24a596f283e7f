"""`statusmon pages status` (or `pages list`): every page in the running system, the interval
it is polled at now, when its next poll is due, and why (monitor.pace): quiet, or active for
an open incident, a maintenance in progress, a component not operational, or a recent change.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import cast

from redis.exceptions import RedisError

from monitor import keys, store
from monitor.pace import CHANGE, COMPONENT, INCIDENT, MAINTENANCE, QUIET
from monitor.pollstore import load_paces
from monitor.settings import Settings

WHY = {
    INCIDENT: "open incident: {detail}",
    MAINTENANCE: "maintenance in progress: {detail}",
    COMPONENT: "component not operational: {detail}",
    CHANGE: "recent change; active until {until:%H:%M:%S} UTC",
    QUIET: "quiet",
}


def add_parser(pages_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = pages_sub.add_parser(
        "status", aliases=["list"], help="each page's poll interval now, and why"
    )
    status.set_defaults(func=status_command)


def status_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        rows = page_rows(store.connect(settings.redis), time.time())
    except (RedisError, OSError) as exc:
        print(f"statusmon: cannot read the running system at its Redis ({exc})", file=sys.stderr)
        return 1
    if not rows:
        print("no pages loaded (run `statusmon pages sync`, or start `statusmon run`)")
        return 0
    table = [("ID", "INTERVAL", "NEXT POLL", "WHY"), *rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        print("  ".join([*cells, row[3]]))
    return 0


def page_rows(r: store.Redis, now: float) -> list[tuple[str, str, str, str]]:
    """One row per registered page: id, interval now, next poll, why; sorted by id."""
    with r.pipeline(transaction=False) as p:
        p.hkeys(keys.PAGES)
        p.hgetall(keys.INTERVALS)
        p.zrange(keys.SCHEDULE, 0, -1, withscores=True)
        ids, intervals, scheduled = p.execute()
    due = dict(cast(list[tuple[str, float]], scheduled))
    paces = load_paces(r, sorted(ids))
    rows = []
    for page_id, pace in paces.items():
        interval = intervals.get(page_id)
        next_due = due.get(page_id)
        rows.append(
            (
                page_id,
                f"{interval} s" if interval else "—",
                "—" if next_due is None else f"in {max(0.0, next_due - now):.0f} s",
                why(pace, now),
            )
        )
    return rows


def why(pace: dict[str, str], now: float) -> str:
    """The pace hash (monitor.pollstore) in words."""
    reason = pace.get("reason") or QUIET
    until = float(pace.get("until") or 0)
    since = float(pace.get("since") or now)
    text = WHY.get(reason, reason).format(
        detail=pace.get("detail", ""), until=datetime.fromtimestamp(until, UTC)
    )
    if reason in (INCIDENT, MAINTENANCE, COMPONENT):
        text += f" (for {_span(now - since)})"
    age = int(pace.get("max_age") or 0)
    if reason != QUIET and age and age >= int(pace.get("interval") or 0):
        text += f" (not sooner than its max-age, {age} s)"
    return text


def _span(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    return f"{seconds // 60} min"
