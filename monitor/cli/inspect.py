"""`statusmon check URL` and `statusmon parse FILE`: one page or one saved payload, read once.

Both print what a first poll would: each non-operational component and the latest update of
each open incident. `parse` finds the platform the way a poll does (the platforms' marks,
monitor/adapters/marks.py), applied to the file's bytes; an explicit `--kind` that the body
contradicts is refused, naming the platform it looks like, and so is a body that is no
platform's page (another endpoint, another product), saying what it is.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from monitor.adapters import registry
from monitor.adapters.marks import read_as
from monitor.detect import diff
from monitor.errors import ParseError
from monitor.model import Snapshot
from monitor.output import human, render
from monitor.pages import PageConfig
from monitor.probe import ORDER, probe
from monitor.session import new_session
from monitor.settings import FORMATS, Settings


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser("check", help="fetch a page once and print its platform and state")
    check.add_argument("url")
    check.add_argument("--kind", choices=sorted(registry()))
    check.set_defaults(func=check_command)
    parse = sub.add_parser("parse", help="print the lines a saved payload implies on a first poll")
    parse.add_argument(
        "--kind", choices=sorted(registry()), help="platform (default: detect, as a poll does)"
    )
    parse.add_argument("--name", default="Status page", help="display name of the page")
    parse.add_argument("--format", choices=FORMATS)
    parse.add_argument("file", type=Path)
    parse.set_defaults(func=parse_command)


def parse_command(args: argparse.Namespace, settings: Settings) -> int:
    page = PageConfig(id="page", name=args.name, url="https://status.invalid")
    try:
        body = args.file.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    kind, snap = read_as(body, page, args.kind)
    print_first_poll(page, kind, snap, settings, args.format)
    return 0


def check_command(args: argparse.Namespace, settings: Settings) -> int:
    page = PageConfig(id="check", name="Status page", url=args.url)
    kind, snap = probe(
        new_session(max_body=settings.max_body, private_redirects=settings.private_redirects),
        page,
        settings.fetch_timeout,
        (args.kind,) if args.kind else ORDER,
    )
    page = PageConfig(id="check", name=snap.page_name, url=args.url)
    print(f"Platform: {kind}")
    print(
        f"Page: {snap.page_name} ({len(snap.components)} components, "
        f"{sum(not i.closed for i in snap.incidents.values())} open incidents/maintenances)"
    )
    bad = [c for c in snap.components.values() if c.status != "operational"]
    print(
        "All components operational"
        if not bad
        else "\n".join(f"  {c.name}: {human(c.status)}" for c in bad)
    )
    print_first_poll(page, kind, snap, settings, None)
    return 0


def print_first_poll(
    page: PageConfig, kind: str, snap: Snapshot, settings: Settings, fmt: str | None
) -> None:
    for event in diff(page, kind, None, snap, datetime.now(UTC)).events:
        print(render(event, settings.tz, fmt or settings.output_format))
