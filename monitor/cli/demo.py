"""`statusmon demo`: the whole system, offline, on simulated pages playing a short incident.

The built-in simulator (monitor.simulate) serves a few Statuspage-shaped pages on loopback and
sends their webhooks; a pages.yaml for them goes to a fresh temporary data folder; then
`statusmon run` (monitor.cli.run) starts an embedded Redis, worker, notifier, beat and the web
process with the board. Once every page has been polled, the script plays: an incident opens,
is updated and resolved, a component degrades and recovers, a maintenance runs. The status
lines print as they happen; the board's address is printed first. Ctrl-C stops it all.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import yaml

from monitor.cli.redis_server import free_port
from monitor.cli.run import run
from monitor.settings import Settings
from monitor.simulate.pages import Layout
from monitor.simulate.scenario import parse_scenario
from monitor.simulate.server import SimServer

NAMES = ("Acme Cloud", "Globex Payments", "Initech Mail", "Umbrella CDN")
# The simulated pages' components (the simulator's shape is a real vendor's page): fictional.
COMPONENTS = ("Web App", "Admin Console", "Public API", "Sync Agent", "Team Spaces", "Gov Region")
PAGES = len(NAMES)
INTERVAL = 5  # seconds between polls: webhooks bring most changes sooner
READY_TIMEOUT = 180.0
SCRIPT: list[dict[str, Any]] = [
    {"at": 0, "page": 0, "do": "open", "incident": "a", "name": "Elevated error rates",
     "components": [0], "component_status": "partial_outage", "impact": "major",
     "body": "We are investigating elevated error rates on the API."},
    {"at": 8, "page": 1, "do": "component", "component": 1, "status": "degraded_performance"},
    {"at": 15, "page": 0, "do": "update", "incident": "a", "status": "identified",
     "body": "A faulty deploy was identified; it is being rolled back."},
    {"at": 25, "page": 0, "do": "update", "incident": "a", "status": "monitoring",
     "component_status": "degraded_performance",
     "body": "The rollback is done; error rates are recovering."},
    {"at": 35, "page": 2, "do": "maintenance", "maintenance": "m", "phase": "in_progress",
     "name": "Database upgrade", "components": [0], "body": "The upgrade is under way."},
    {"at": 45, "page": 0, "do": "resolve", "incident": "a",
     "body": "This incident has been resolved."},
    {"at": 45, "page": 1, "do": "component", "component": 1, "status": "operational"},
    {"at": 60, "page": 2, "do": "maintenance", "maintenance": "m", "phase": "completed",
     "body": "The upgrade is complete."},
]  # fmt: skip


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="the whole system and its board on simulated pages (offline)"
    )
    p.add_argument(
        "--port", type=int, help="the board's port (default: PORT, else 8080 if free; 0: any)"
    )
    p.add_argument("--speed", type=float, default=1.0, help="play the script this much faster")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    p.set_defaults(func=demo)
    return p


def scenario_steps(speed: float) -> list[dict[str, Any]]:
    return [{**step, "at": step["at"] / max(speed, 0.01)} for step in SCRIPT]


class PortTaken(Exception):
    """The port asked for the board is another program's."""


def board_port(asked: int | None, env_port: str | None, default: int) -> tuple[int, str]:
    """The board's port and why: `--port` (0: any free one), else PORT, else `default` if it
    is free, else any free one. A port asked for (--port, PORT) that is taken is
    `PortTaken`: the board would be off and the demo pointless."""
    if asked is None and not env_port:
        if free(default):
            return default, ""
        port = free_port()
        return port, f"port {default} is taken, so the board is on port {port}"
    if asked == 0:
        return free_port(), ""
    port, where = (asked, "--port") if asked is not None else (int(str(env_port)), "PORT")
    if not free(port):
        raise PortTaken(
            f"port {port} ({where}) is taken by another program, so the board could not "
            "start; choose another, or --port 0 for any free one"
        )
    return port, ""


def free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:`port` (bound as the web process binds: reusing)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def demo(args: argparse.Namespace, settings: Settings) -> int:
    try:
        port, why = board_port(args.port, os.environ.get("PORT"), settings.web.port)
    except PortTaken as exc:
        say(f"statusmon demo: {exc}")
        return 2
    if why:
        say(f"statusmon demo: {why}")
    folder = tempfile.mkdtemp(prefix="statusmon-demo-")
    scenario = parse_scenario({"steps": scenario_steps(args.speed)}, "demo", PAGES)
    token = secrets.token_urlsafe(24)
    hook = f"http://127.0.0.1:{port}/webhook/{{page_id}}/{token}"
    layout = Layout(PAGES, component_names=COMPONENTS)
    sim = SimServer(layout, scenario=scenario, webhook_url=hook).start_in_thread()
    pages = write_pages(sim, token, folder)
    os.environ.update(MONITOR_PAGES=pages, MONITOR_DATA=folder, PORT=str(port))
    os.environ.update(WEB_HOST="127.0.0.1", PYTHONUNBUFFERED="1")
    os.environ.setdefault("POLL_CONCURRENCY", "2")
    board = f"http://127.0.0.1:{port}/"
    say(f"statusmon demo: {PAGES} simulated pages; the board will be at {board}")
    threading.Thread(target=_play, args=(sim, board, args.duration), daemon=True).start()
    try:
        web = dataclasses.replace(settings.web, port=port, host="127.0.0.1")
        mine = dataclasses.replace(
            settings, redis_url=None, sentinel=None, pages_path=pages, data_dir=folder, web=web
        )
        return run(mine)  # never the user's Redis: an embedded one in the temporary folder
    finally:
        sim.close()
        if args.keep:
            say(f"statusmon demo: data kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def write_pages(sim: SimServer, token: str | None, folder: str, interval: int = INTERVAL) -> str:
    """The simulator's pages.yaml, its pages named like vendors; its path."""
    data = yaml.safe_load(sim.pages_yaml(interval, token))
    for row, name in zip(data["pages"], NAMES, strict=False):
        row["name"] = name
    path = os.path.join(folder, "pages.yaml")
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False)
    return path


def _play(sim: SimServer, board: str, duration: float | None) -> None:
    started = time.monotonic()
    ready = wait_polled(board, PAGES, READY_TIMEOUT)
    say(
        f"statusmon demo: the board is at {board} — the script starts now"
        if ready
        else f"statusmon demo: pages not all polled yet; playing anyway — the board: {board}"
    )
    sim.start_timeline()
    if duration is not None:
        threading.Event().wait(max(0.0, duration - (time.monotonic() - started)))
        os.kill(os.getpid(), signal.SIGTERM)  # `run` stops everything on it


def wait_polled(board: str, count: int, timeout: float) -> bool:
    """Until the board's API lists `count` pages, each polled once (their baseline)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(board + "api/v1/pages", timeout=5) as response:
                pages = json.load(response)["pages"]
            if len(pages) == count and all(p["last_poll"] for p in pages):
                return True
        except (OSError, ValueError, KeyError, urllib.error.URLError):
            pass  # not up yet
        pause.wait(0.5)
    return False


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
