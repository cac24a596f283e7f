"""`statusmon` (also `python -m monitor`): run, check, parse, config check, proc, pages sync.

`check` and `parse` live in monitor/cli/inspect.py, `pages catalog|add` in monitor/cli/pages.py,
`pages status` in monitor/cli/pages_status.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace

from monitor import store
from monitor.channel_config import load_channels
from monitor.cli import config_check, processes
from monitor.cli.channels import add_parser as add_channels_parser
from monitor.cli.demo import add_parser as add_demo_parser
from monitor.cli.events import add_parser as add_events_parser
from monitor.cli.inspect import add_parsers as add_inspect_parsers
from monitor.cli.pages import add_parsers as add_pages_parsers
from monitor.cli.run import run
from monitor.config import load_pages
from monitor.errors import ParseError
from monitor.logs import setup_logging
from monitor.pages import ConfigError
from monitor.registry import sync_pages
from monitor.settings import FORMATS, Settings, load_settings
from monitor.simulate.cli import add_parser as add_simulate_parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.func is _config_check:  # it reads the environment itself: every problem is listed
        return int(_config_check(args, None))
    try:
        settings = load_settings()
        setup_logging(settings.log_level, settings.log_format)
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
    add_inspect_parsers(sub)  # check, parse
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
    add_events_parser(sub)
    add_channels_parser(sub)
    add_demo_parser(sub)
    return parser


def _run(args: argparse.Namespace, settings: Settings) -> int:
    load_pages(settings.pages_path)  # fail before starting anything
    load_channels(settings.pages_path)
    if args.format:
        settings = replace(settings, output_format=args.format)
    return run(settings, verbose=args.verbose)


def _config_check(args: argparse.Namespace, settings: Settings | None) -> int:
    return config_check.main(os.environ)


def _proc(args: argparse.Namespace, settings: Settings) -> int:
    _ = settings.redis  # every process of the system needs REDIS_URL or REDIS_SENTINELS
    argv = processes.command(args.name)
    os.execvp(argv[0], argv)


def _pages_sync(args: argparse.Namespace, settings: Settings) -> int:
    """Load the pages file into Redis and say what changed: one line per kind of change."""
    pages = load_pages(settings.pages_path)
    done = sync_pages(store.connect(settings.redis), pages, time.time())
    for what, ids in (("added", done.added), ("removed", done.removed), ("changed", done.changed)):
        if ids:
            print(f"{what}: {', '.join(ids)}")
    counts = f"{len(done.added)} added, {len(done.removed)} removed, {len(done.changed)} changed"
    where = settings.sentinel or settings.broker_url
    print(
        f"{len(pages)} pages from {settings.pages_path} loaded into {where} "
        f"({counts}, {done.unchanged} unchanged)"
    )
    return 0
