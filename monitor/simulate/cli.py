"""`statusmon simulate`: serve N simulated status pages (on loopback unless `--host` says
another address, e.g. the Docker bridge's for a compose stack), run a scenario, record it.

Prints one JSON line when ready ({"control", "ports", "pages"}) and serves until Ctrl-C,
SIGTERM or `--duration`. Wired into `statusmon` by `add_parser`; also `python -m monitor.simulate`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path
from typing import Any

from monitor.simulate.pages import Layout
from monitor.simulate.recorder import Recorder
from monitor.simulate.scenario import ScenarioError, load_scenario
from monitor.simulate.server import SimServer


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "simulate", help="serve simulated status pages (tests, benchmarks, a trial stack)"
    )
    p.add_argument("--pages", type=int, default=10, help="how many pages (default 10)")
    p.add_argument("--hosts", type=int, default=1, help="listening ports = hosts (default 1)")
    p.add_argument("--port", type=int, default=0, help="port of the first host (default: any)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDR",
        help="address to listen on (default 127.0.0.1; e.g. 172.17.0.1, the Docker bridge's)",
    )
    p.add_argument(
        "--url-host",
        default="",
        metavar="NAME",
        help="host in the page URLs and --pages-file (default: --host)",
    )
    p.add_argument(
        "--incidentio-every",
        type=int,
        default=0,
        metavar="K",
        help="every K-th page is incident.io (0: none, 1: all)",
    )
    p.add_argument("--scenario", type=Path, help="steps to run (YAML or JSON)")
    p.add_argument(
        "--wait-start", action="store_true", help="start the scenario on POST /_sim/start"
    )
    p.add_argument("--record", type=Path, help="append what was published here (JSON lines)")
    p.add_argument("--pages-file", type=Path, help="write a pages.yaml for these pages here")
    p.add_argument("--interval", type=int, default=60, help="poll interval in --pages-file")
    p.add_argument("--webhook-url", help="POST Statuspage webhooks here ({page_id} is replaced)")
    p.add_argument(
        "--webhook-every",
        type=int,
        default=1,
        metavar="K",
        help="with --webhook-url: every K-th page sends them (Statuspage pages only)",
    )
    p.add_argument(
        "--webhook-token",
        help="in --pages-file, these pages take unsigned webhooks with this path token",
    )
    p.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="S",
        help="mean seconds before each page response, ±50 %% (default 0)",
    )
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace, settings: object = None) -> int:
    try:
        scenario = load_scenario(args.scenario) if args.scenario else None
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"statusmon: {problem}")
        return 2
    layout = Layout(
        args.pages,
        args.incidentio_every,
        host=args.host,
        url_host=args.url_host,
        webhook_every=args.webhook_every,
    )
    server = SimServer(
        layout,
        hosts=args.hosts,
        port=args.port,
        scenario=scenario,
        recorder=Recorder(args.record),
        webhook_url=args.webhook_url,
    )
    server.world.latency = args.latency
    if args.pages_file:
        yaml_text = server.pages_yaml(args.interval, args.webhook_token)
        args.pages_file.write_text(yaml_text, encoding="utf-8")
    asyncio.run(_serve(server, args.wait_start or scenario is None, args.duration))
    return 0


async def _serve(server: SimServer, wait_start: bool, duration: float | None) -> None:
    loop = asyncio.get_running_loop()
    await server.start()
    ready = {"control": server.control_url, "ports": server.ports, "pages": len(server.world.pages)}
    print(json.dumps(ready), flush=True)
    if not wait_start:
        server.timeline.start(loop)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if duration:
        loop.call_later(duration, stop.set)
    await stop.wait()
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="statusmon")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["simulate", *(argv or [])] if argv is not None else None)
    return int(args.func(args))
