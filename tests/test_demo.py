"""`statusmon demo` as a new user runs it: one command, no network, no Redis of their own; the
script's status lines print, the board answers where it says, Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
import requests

from monitor.cli.demo import SCRIPT
from monitor.cli.redis_server import free_port
from tests.support.procs import Proc, records


@pytest.mark.timeout(420)
def test_demo_plays_its_incident_prints_it_and_serves_the_board(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "MONITOR_PAGES")}
    env.update(PYTHONUNBUFFERED="1", TMPDIR=str(tmp_path))
    argv = [sys.executable, "-m", "monitor", "demo", "--port", str(port), "--speed", "3"]
    demo = Proc("demo", argv, env, tmp_path).start()
    try:
        lines = demo.wait_lines(26, timeout=240)  # 13 events: two lines each
        log = demo.log_tail(400)
        assert f"the board is at http://127.0.0.1:{port}/" in log
        events = requests.get(f"http://127.0.0.1:{port}/api/v1/events?limit=100", timeout=10).json()
        board = requests.get(f"http://127.0.0.1:{port}/", timeout=10).text
    finally:
        code = demo.stop(signal.SIGINT, timeout=90)
    assert code == 0, demo.log_tail()
    printed = records(lines)
    for expected in (
        "Product: Acme Cloud - Web App | Status: Investigating - We are investigating elevated error rates on the API.",
        "Product: Acme Cloud - Web App | Status: Identified - A faulty deploy was identified; it is being rolled back.",
        "Product: Acme Cloud - Web App | Status: Resolved - This incident has been resolved.",
        "Product: Globex Payments - Admin Console | Status: Degraded Performance (was Operational)",
        "Product: Initech Mail - Web App | Status: Maintenance In Progress - Database upgrade: The upgrade is under way.",
        "Product: Initech Mail - Web App | Status: Maintenance Completed - Database upgrade: The upgrade is complete.",
    ):
        assert any(line.endswith(expected) for line in printed), (expected, printed)
    assert len(events["events"]) == len(printed) == 13 and len(SCRIPT) == 8
    assert "Acme Cloud" in board and "Umbrella CDN" in board
    assert "claude" not in (log + board).lower()  # fictional pages, no real vendor's names
    assert not list(tmp_path.glob("statusmon-demo-*"))  # its temporary folder is gone
