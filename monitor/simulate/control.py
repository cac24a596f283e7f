"""The simulator's own endpoints under /_sim/ (JSON): info, stats, request log, steps."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from monitor.simulate.http import Request, Response
from monitor.simulate.scenario import ScenarioError, parse_scenario

if TYPE_CHECKING:
    from monitor.simulate.server import SimServer


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode()
    return Response(
        status, body, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    )


def control(server: SimServer, request: Request) -> Response:
    world, action = server.world, request.path.removeprefix("/_sim/")
    post = request.method == "POST"
    if action == "info":
        return _json(
            {"pages": len(world.pages), "ports": server.ports, "started": server.timeline.started}
        )
    if action == "stats":
        with world.lock:
            return _json(world.stats.summary())
    if action == "stats/reset" and post:
        world.reset_stats()
        return _json({"ok": True})
    if action == "log":
        since = int(parse_qs(request.query).get("since", ["0"])[0])
        with world.lock:
            rows = world.stats.log[since:]
        return _json({"next": since + len(rows), "rows": rows})
    if action == "webhooks":
        sent = server.webhooks.results if server.webhooks else []
        return _json([list(row) for row in sent])
    if action == "published":
        return _json([asdict(p) for p in world.recorder.rows])
    if action == "latency" and post:
        world.latency = float(json.loads(request.body or b"0"))
        return _json({"latency": world.latency})
    if action == "start" and post:
        server.start_timeline()
        return _json({"ok": True})
    if action == "step" and post:
        return _json([asdict(p) for p in server.timeline.step()])
    if action == "apply" and post:
        try:
            scenario = parse_scenario(json.loads(request.body or b"[]"), "apply", len(world.pages))
        except (ValueError, ScenarioError) as exc:
            return _json({"error": str(exc)}, 400)
        return _json([asdict(p) for s in scenario.steps for p in world.apply(s)])
    return _json({"error": f"unknown: {request.method} {request.path}"}, 404)
