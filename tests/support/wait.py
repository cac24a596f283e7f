"""Waiting on a condition nothing announces, with a timeout: a host's back-off that ends with
the clock, a port that starts answering.

What is announced is waited on where it is announced instead: a Redis key written or expired
(tests.support.keyspace), a request served (PageServer.wait_hits), a line printed
(Proc.wait_lines), a task's result (AsyncResult.get).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(check: Callable[[], T], what: str, timeout: float = 10, interval: float = 0.02) -> T:
    """check() until it returns something truthy, and return that; between two looks the
    thread is idle for `interval` seconds (never a busy loop). AssertionError naming `what`
    after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(min(interval, left))
