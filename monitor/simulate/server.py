"""The simulator: pages on K loopback listening sockets, an asyncio loop, a scenario timeline.

Use it from a test (`SimServer(...).start_in_thread()`, then `apply`/`step`/`world.wait`) or
from `statusmon simulate` (`serve`). Page n is `http://127.0.0.1:<port n % K>/p/<n>`; a request
for page n on another port is a 404, as on another host.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from functools import partial
from typing import Any

from monitor.simulate.captures import templates
from monitor.simulate.control import control
from monitor.simulate.http import HttpProtocol, Request, Response
from monitor.simulate.model import Publication
from monitor.simulate.pages import Layout, build_pages, pages_yaml
from monitor.simulate.recorder import Recorder
from monitor.simulate.scenario import Scenario, Step, parse_step
from monitor.simulate.webhooks import WebhookSender
from monitor.simulate.world import World


class Timeline:
    """The scenario's groups, applied at their `at` once started, or one by one with step()."""

    def __init__(self, scenario: Scenario, world: World) -> None:
        self.groups, self.world = scenario.groups(), world
        self.applied: set[int] = set()
        self.started: float | None = None
        self.handles: list[asyncio.TimerHandle] = []

    def step(self) -> list[Publication]:
        pending = [i for i in range(len(self.groups)) if i not in self.applied]
        return self.apply(pending[0]) if pending else []

    def apply(self, index: int) -> list[Publication]:
        with self.world.lock:
            if index in self.applied:
                return []
            self.applied.add(index)
            return [p for s in self.groups[index] for p in self.world.apply(s)]

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.started = time.time()
        for i, group in enumerate(self.groups):
            if group[0].at is not None:
                self.handles.append(loop.call_at(loop.time() + group[0].at, self.apply, i))


class SimServer:
    def __init__(
        self,
        layout: Layout,
        hosts: int = 1,
        port: int = 0,
        scenario: Scenario | None = None,
        recorder: Recorder | None = None,
        webhook_url: str | None = None,
    ) -> None:
        self.layout = layout
        self.socks = [_bind(layout.host, port if i == 0 else 0) for i in range(max(1, hosts))]
        self.ports: list[int] = [s.getsockname()[1] for s in self.socks]
        self.world = World(build_pages(layout, self.ports), recorder)
        self.timeline = Timeline(scenario or Scenario(), self.world)
        self.webhooks = (
            WebhookSender(webhook_url, templates(), layout.webhooks) if webhook_url else None
        )
        if self.webhooks is not None:
            self.world.on_publish = self.webhooks.on_publish
        self.loop: asyncio.AbstractEventLoop | None = None
        self._servers: list[asyncio.Server] = []
        self._live: set[HttpProtocol] = set()
        self._thread: threading.Thread | None = None

    # -- addresses
    def url(self, n: int) -> str:
        return self.world.pages[n].base

    @property
    def control_url(self) -> str:
        return f"http://{self.layout.host}:{self.ports[0]}/_sim"

    def pages_yaml(self, interval: int, token: str | None = None) -> str:
        return pages_yaml(self.world.pages, interval, self.layout, token)

    # -- changing pages
    def apply(self, step: Step | dict[str, Any]) -> list[Publication]:
        if isinstance(step, dict):
            problems: list[str] = []
            parsed = parse_step(step, "step", problems, len(self.world.pages))
            if parsed is None:
                raise ValueError("; ".join(problems))
            step = parsed
        return self.world.apply(step)

    def start_timeline(self) -> None:
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self.timeline.start, self.loop)

    # -- serving
    def handle(self, request: Request) -> Response:
        if request.path.startswith("/_sim/"):
            return control(self, request)
        parts = request.path.split("/", 3)  # ['', 'p', '<n>', 'rest']
        if len(parts) == 4 and parts[1] == "p" and parts[2].isdigit():
            n = int(parts[2])
            if n < len(self.world.pages) and n % len(self.ports) == request.listener:
                response = self.world.serve(n, "/" + parts[3], request)
                response.page = (n, "/" + parts[3])
                return response
        return Response(404, b"Not Found", [("Content-Type", "text/plain")])

    def _sent(self, request: Request, response: Response) -> None:
        self.world.sent(request, response, response.page)

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        if self.webhooks is not None:
            self.webhooks.loop = self.loop
        for i, sock in enumerate(self.socks):
            factory = partial(HttpProtocol, self.handle, i, self._sent, self._live)
            self._servers.append(await self.loop.create_server(factory, sock=sock, backlog=1024))

    async def stop(self) -> None:
        for handle in self.timeline.handles:
            handle.cancel()
        for server in self._servers:
            server.close()
        for proto in list(self._live):
            proto.close()
        for server in self._servers:
            await server.wait_closed()
        self.world.recorder.close()

    # -- in a background thread (tests)
    def start_in_thread(self) -> SimServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="statusmon-simulate", daemon=True)
        self._thread.start()
        if not ready.wait(30):
            raise RuntimeError("simulator did not start in 30 s")
        return self

    def close(self) -> None:
        if self.loop is not None and self._thread is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)
            self._thread = None


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.setblocking(False)
    return sock
