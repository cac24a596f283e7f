"""`statusmon pages status`: each page's interval now and why, from the running system's Redis,
run as a user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from monitor import keys, store
from monitor.cli.pages_status import why
from monitor.pages import PageConfig
from monitor.poll import Poller
from monitor.registry import sync_pages
from monitor.session import new_session
from tests.paths import ROOT
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory

SUMMARY = "/api/v2/summary.json"


def statusmon(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "MONITOR_PAGES": "/nonexistent/pages.yaml", **env},
        cwd=ROOT,
        timeout=60,
    )


def test_pages_status_shows_each_pages_interval_now_and_why(
    r: store.Redis, redis_url: str, pages: PageServer
) -> None:
    story = StatuspageStory()
    broken = story.incident("inc1", "Elevated errors", ("u1", "investigating", "Looking"))
    pages.set_json(f"/calm{SUMMARY}", story.summary("operational"))
    pages.set_json(f"/busy{SUMMARY}", story.summary("operational"))
    calm, busy = (PageConfig(i, i, f"{pages.url}/{i}", "statuspage", 60) for i in ("calm", "busy"))
    sync_pages(r, [calm, busy], time.time())
    poller = Poller(r, new_session(), timeout=5)
    for page in (calm, busy):
        poller.poll(page, lambda _: None)
    pages.set_json(f"/busy{SUMMARY}", story.summary("major_outage", broken))
    poller.poll(busy, lambda _: None)

    done = statusmon("pages", "status", REDIS_URL=redis_url)
    assert done.returncode == 0, done.stderr
    header, first, second = done.stdout.splitlines()
    assert header.split() == ["ID", "INTERVAL", "NEXT", "POLL", "WHY"]
    assert first.split()[:3] == ["busy", "10", "s"]
    assert re.search(r"open incident: Elevated errors \(for \d+ s\)$", first)
    assert second.split()[:3] == ["calm", "60", "s"] and second.endswith("quiet")
    listed = statusmon("pages", "list", REDIS_URL=redis_url).stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["ID", "busy", "calm"]


def test_pages_status_without_a_reachable_redis_says_so(tmp_path: Path) -> None:
    done = statusmon("pages", "status", REDIS_URL="redis://127.0.0.1:9/0")
    assert done.returncode == 1
    assert "cannot read the running system at its Redis" in done.stderr


def test_pages_status_of_an_empty_system_says_how_to_load_pages(
    r: store.Redis, redis_url: str
) -> None:
    r.delete(keys.PAGES)
    done = statusmon("pages", "status", REDIS_URL=redis_url)
    assert done.returncode == 0 and "statusmon pages sync" in done.stdout


def test_a_change_window_and_a_max_age_floor_are_said_in_words() -> None:
    now = 1_800_000_000.0
    change = {"reason": "change", "until": str(now + 300), "interval": "10"}
    assert why(change, now) == "recent change; active until 08:05:00 UTC"
    floor = {"reason": "component", "detail": "API degraded", "since": str(now - 600)}
    floor.update(interval="30", max_age="30")
    assert why(floor, now) == (
        "component not operational: API degraded (for 10 min) (not sooner than its max-age, 30 s)"
    )
    assert why({}, now) == "quiet"
