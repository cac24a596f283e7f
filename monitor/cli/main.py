"""`statusmon` (also `python -m monitor`): run, check, parse, config check, proc, pages sync."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from monitor import store
from monitor.adapters import get_adapter, registry
from monitor.adapters.base import Adapter
from monitor.cli import config_check, processes
from monitor.cli.pages import add_parsers as add_pages_parsers
from monitor.cli.run import run
from monitor.config import load_pages
from monitor.detect import diff
from monitor.errors import ParseError
from monitor.fetch import new_session
from monitor.logs import setup_logging
from monitor.model import Snapshot
from monitor.output import human, render
from monitor.pages import ConfigError, PageConfig
from monitor.probe import ORDER, probe
from monitor.schedule import sync_pages
from monitor.settings import FORMATS, Settings, load_settings
from monitor.simulate.cli import add_parser as add_simulate_parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.func is _config_check:  # it reads the environment itself: every problem is listed
        return int(_config_check(args, None))
    try:
        settings = load_settings()
        setup_logging(settings.log_level)
        return int(args.func(args, settings))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"statusmon: {problem}", file=sys.stderr)
        return 2
    except ParseError as exc:
        print(f"statusmon: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `statusmon pages catalog | head`: the reader left, fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="statusmon", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run worker, notifier, beat and web on this machine")
    run.add_argument("--format", choices=FORMATS, help="status line format (default: text)")
    run.add_argument(
        "--verbose",
        action="store_true",
        help="every process's log on stderr too (as LOG_LEVEL=DEBUG)",
    )
    run.set_defaults(func=_run)
    check = sub.add_parser("check", help="fetch a page once and print its platform and state")
    check.add_argument("url")
    check.add_argument("--kind", choices=sorted(registry()))
    check.set_defaults(func=_check)
    parse = sub.add_parser("parse", help="print the lines a saved payload implies on a first poll")
    parse.add_argument("--kind", required=True, choices=sorted(registry()))
    parse.add_argument("--name", default="Status page", help="display name of the page")
    parse.add_argument("--format", choices=FORMATS)
    parse.add_argument("file", type=Path)
    parse.set_defaults(func=_parse)
    config = sub.add_parser("config", help="configuration")
    config_sub = config.add_subparsers(required=True, metavar="ACTION")
    config_sub.add_parser("check", help="validate pages.yaml and the environment").set_defaults(
        func=_config_check
    )
    proc = sub.add_parser("proc", help="exec one process of the system (used by the Procfile)")
    proc.add_argument("name", choices=processes.NAMES)
    proc.set_defaults(func=_proc)
    pages = sub.add_parser("pages", help="the monitored pages")
    pages_sub = pages.add_subparsers(required=True, metavar="ACTION")
    pages_sub.add_parser("sync", help="load pages.yaml into the running system").set_defaults(
        func=_pages_sync
    )
    add_pages_parsers(pages_sub)  # catalog, add
    add_simulate_parser(sub)
    return parser


def _run(args: argparse.Namespace, settings: Settings) -> int:
    load_pages(settings.pages_path)  # fail before starting anything
    if args.format:
        settings = replace(settings, output_format=args.format)
    return run(settings, verbose=args.verbose)


def _parse(args: argparse.Namespace, settings: Settings) -> int:
    page = PageConfig(id="page", name=args.name, url="https://status.invalid")
    snap = read_payload(get_adapter(args.kind), args.file.read_bytes(), page)
    _print_first_poll(page, args.kind, snap, settings, args.format)
    return 0


def read_payload(adapter: Adapter, body: bytes, page: PageConfig) -> Snapshot:
    """A polled body, or else a pushed (webhook) payload of the same platform."""
    try:
        return adapter.parse(body, page)
    except ParseError as polled:
        try:
            payload = json.loads(body)
        except ValueError:
            raise polled from None
        if not isinstance(payload, dict):
            raise
        try:
            return adapter.parse_webhook(payload, page)
        except ParseError:
            raise polled from None


def _print_first_poll(
    page: PageConfig, kind: str, snap: Snapshot, settings: Settings, fmt: str | None
) -> None:
    for event in diff(page, kind, None, snap, datetime.now(UTC)).events:
        print(render(event, settings.tz, fmt or settings.output_format))


def _check(args: argparse.Namespace, settings: Settings) -> int:
    page = PageConfig(id="check", name="Status page", url=args.url)
    kind, snap = probe(
        new_session(), page, settings.fetch_timeout, (args.kind,) if args.kind else ORDER
    )
    page = PageConfig(id="check", name=snap.page_name, url=args.url)
    print(f"Platform: {kind}")
    print(
        f"Page: {snap.page_name} ({len(snap.components)} components, "
        f"{len(snap.incidents)} open incidents/maintenances)"
    )
    bad = [c for c in snap.components.values() if c.status != "operational"]
    print(
        "All components operational"
        if not bad
        else "\n".join(f"  {c.name}: {human(c.status)}" for c in bad)
    )
    _print_first_poll(page, kind, snap, settings, None)
    return 0


def _config_check(args: argparse.Namespace, settings: Settings | None) -> int:
    return config_check.main(os.environ)


def _proc(args: argparse.Namespace, settings: Settings) -> int:
    _ = settings.broker_url  # every process of the system needs REDIS_URL
    argv = processes.command(args.name)
    os.execvp(argv[0], argv)


def _pages_sync(args: argparse.Namespace, settings: Settings) -> int:
    pages = load_pages(settings.pages_path)
    sync_pages(store.connect(settings.broker_url), pages, time.time())
    print(f"{len(pages)} pages loaded into {settings.broker_url}")
    return 0
