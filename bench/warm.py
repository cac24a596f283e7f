"""Bring pages to steady state fast: each page's first poll run in this machine's processes by
the same `Poller` the worker uses (no Celery), so later polls are 304s. The first-poll rate
through the worker is measured on a smaller set; this only saves the benchmark's time."""

from __future__ import annotations

import os
from multiprocessing import get_context
from typing import Any

from monitor.pages import PageConfig

_poller: Any = None


def _start(redis_url: str) -> None:
    global _poller
    from monitor import store
    from monitor.poll import Poller
    from monitor.session import new_session

    _poller = Poller(store.connect(redis_url), new_session())


def _first_poll(page: PageConfig) -> str:
    return str(_poller.poll(page, lambda events: None).outcome)


def warm(pages: list[PageConfig], redis_url: str) -> dict[str, int]:
    """Outcomes of one poll of each page, two processes per core."""
    counts: dict[str, int] = {}
    with get_context("spawn").Pool(2 * (os.cpu_count() or 1), _start, (redis_url,)) as pool:
        for outcome in pool.imap_unordered(_first_poll, pages, chunksize=50):
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
