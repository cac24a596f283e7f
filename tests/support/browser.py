"""A real Chromium for the board's tests: Debian's `chromium` package driven by Playwright (its
own browser download cannot work here), and the whole system on simulated pages to look at.

Without chromium the browser tests are skipped on a developer's machine and FAIL under CI
(CI=true): a CI that cannot run them must not pass as if it had.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from monitor.cli.demo import COMPONENTS, wait_polled, write_pages
from monitor.cli.redis_server import free_port
from monitor.simulate.pages import Layout
from monitor.simulate.server import SimServer
from tests.support.procs import Proc
from tests.support.wait import wait_until

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL = "apt-get install -y chromium"


def chromium_path() -> str:
    """The browser's path; skips (or fails under CI) when it is not installed."""
    found = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"chromium is not installed ({INSTALL}): the browser tests cannot run")
    pytest.skip(f"chromium is not installed ({INSTALL})")


@contextmanager
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright  # only once chromium is known to be there

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class System:
    sim: SimServer
    proc: Proc
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def all_operational(board: str) -> bool:
    pages = requests.get(board + "api/v1/pages", timeout=10).json()["pages"]
    return all(p["status"] == "operational" for p in pages)


def why(system: System) -> str:
    """What the board's API says, and the end of the system's log: for a failed wait."""
    try:
        state = requests.get(system.url + "api/v1/pages", timeout=10).text
    except requests.RequestException as exc:
        state = f"(no answer: {exc})"

    return f"api/v1/pages: {state}\n--- log tail:\n{system.proc.log_tail(60)}"


@contextmanager
def system(folder: Path, pages: int = 4) -> Iterator[System]:
    """`statusmon run` (embedded Redis, every process) on simulated pages sending webhooks;
    yields once every page has been polled and shows as operational (a first poll that failed
    on a loaded machine is retried)."""
    port = free_port()
    token = secrets.token_urlsafe(24)
    hook = f"http://127.0.0.1:{port}/webhook/{{page_id}}/{token}"
    layout = Layout(
        pages, component_names=COMPONENTS
    )  # the demo's names; every page sends webhooks
    sim = SimServer(layout, webhook_url=hook).start_in_thread()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        MONITOR_PAGES=write_pages(sim, token, str(folder), interval=10),  # webhooks are sooner
        MONITOR_DATA=str(folder / "data"),
        PORT=str(port),
        PYTHONUNBUFFERED="1",
        POLL_CONCURRENCY="2",
    )
    proc = Proc("run", [sys.executable, "-m", "monitor", "run"], env, folder).start()
    try:
        board = f"http://127.0.0.1:{port}/"
        assert wait_polled(board, pages, 180), f"pages not polled:\n{proc.log_tail()}"
        wait_until(lambda: all_operational(board), "every page operational", timeout=180)
        yield System(sim, proc, port)
    finally:
        proc.stop(timeout=90)
        sim.close()
