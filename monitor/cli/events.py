"""`statusmon events`: the event log (monitor.eventlog), printed as the notifier prints it.

statusmon events [--page ID] [--since 2h|ISO-8601] [--limit N] [--follow] [--format json]
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor import eventlog, store
from monitor.output import render
from monitor.settings import FORMATS, Settings

_AGO = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def since(value: str) -> datetime:
    """'2h', '30m', '7d' ago, or an ISO-8601 time (UTC unless it says otherwise)."""
    found = _AGO.match(value.strip().lower())
    if found:
        delta = timedelta(**{_UNITS[found[2]]: int(found[1])})
        return datetime.now(UTC) - delta
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither a duration like 2h, 30m, 7d nor an ISO-8601 time"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number ≥ 1")
    return int(value)


def add_parser(sub: Any) -> None:
    events = sub.add_parser("events", help="print the event log (every printed event)")
    events.add_argument("--page", help="only this page id")
    events.add_argument("--since", type=since, help="2h, 30m, 7d or an ISO-8601 time")
    events.add_argument("--limit", type=positive, help="only the newest N")
    events.add_argument("--follow", action="store_true", help="then wait for new events")
    events.add_argument("--format", choices=FORMATS, help="text (default) or json")
    events.set_defaults(func=main)


def main(args: argparse.Namespace, settings: Settings) -> int:
    r = store.connect(settings.redis)
    fmt = args.format or settings.output_format
    found = eventlog.read(r, args.since, args.page, args.limit)
    for entry in found:
        print(_line(entry, settings, fmt), flush=True)
    if args.follow:
        last = found[-1].id if found else "$"
        try:
            for entry in eventlog.follow(r, last, args.page):
                print(_line(entry, settings, fmt), flush=True)
        except KeyboardInterrupt:
            return 0
    return 0


def _line(entry: eventlog.Entry, settings: Settings, fmt: str) -> str:
    if fmt != "json":
        return render(entry.event, settings.tz, fmt)
    data = json.loads(render(entry.event, settings.tz, "json"))
    data["printed_at"] = entry.printed_at.isoformat()
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
