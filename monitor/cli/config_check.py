"""`statusmon config check`: pages.yaml (pages, channels) and the environment, one line per
problem.

The same two loaders every process runs at start (monitor.config, monitor.settings), so it
refuses exactly what a process would refuse. Secret values are never echoed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from monitor.channel_config import load_channels
from monitor.config import load_pages
from monitor.pages import ConfigError
from monitor.settings import load_settings


def check(env: Mapping[str, str], pages_path: str | Path) -> list[str]:
    problems: list[str] = []
    loaders = (
        lambda: load_pages(pages_path),
        lambda: load_channels(pages_path, env),
        lambda: load_settings(env),
    )
    for load in loaders:
        try:
            load()
        except ConfigError as exc:
            problems += [p for p in exc.problems if p not in problems]
    return problems


def main(env: Mapping[str, str]) -> int:
    """Print the problems (stderr, exit 2) or the page count (stdout, exit 0)."""
    pages_path = env.get("MONITOR_PAGES", "pages.yaml")
    problems = check(env, pages_path)
    for problem in problems:
        print(f"statusmon: {problem}", file=sys.stderr)
    if problems:
        return 2
    channels = len(load_channels(pages_path, env))
    also = f", {channels} channels" if channels else ""
    print(f"{pages_path}: {len(load_pages(pages_path))} pages{also} OK")
    return 0
