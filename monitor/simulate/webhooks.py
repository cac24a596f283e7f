"""Statuspage subscriber webhooks for what a simulated page published (FORMATS.md §2).

Shapes from Zulip's real deliveries: `meta` + `page` + `incident` (the API incident object), or
`meta` + `page` + `component_update` + `component`. No signature, no `type` field, like the
real thing. incident.io pages send none (there are no public incident.io webhooks).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from monitor.simulate.captures import Templates
from monitor.simulate.ids import iso, statuspage_id
from monitor.simulate.model import Publication
from monitor.simulate.statuspage import StatuspagePage


def payload(page: StatuspagePage, pub: Publication, hook: dict[str, Any]) -> dict[str, Any] | None:
    """`hook`: the parsed Zulip component webhook, as the source of field names and order."""
    status = page.status()
    head = {
        "meta": {
            "unsubscribe": f"{page.base}/?unsubscribe={statuspage_id('sub', page.model.page_id)}",
            "documentation": "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/",
            "generated_at": iso(time.time()),
        },
        "page": {
            "id": page.provider_id,
            "status_indicator": status["indicator"],
            "status_description": status["description"],
        },
    }
    if pub.kind in ("incident", "maintenance"):
        return {**head, "incident": page.incident(page.model.incidents[pub.ref])}
    if pub.kind != "component":
        return None
    comp = page.model.components[pub.ref]
    row = page.component(comp)
    component = {k: row.get(k, v) for k, v in hook["component"].items()}
    update = {
        **hook["component_update"],
        "old_status": pub.previous,
        "new_status": pub.status,
        "created_at": pub.occurred_at,
        "id": statuspage_id("cu", pub.ref, pub.published_at),
        "component_id": comp.id,
    }
    return {**head, "component_update": update, "component": component}


@dataclass
class WebhookSender:
    """POSTs on the server's event loop; `url` may use {page_id} and {n}."""

    url: str
    templates: Templates
    sends: Callable[[int], bool] = lambda n: True  # which pages (by index) send webhooks
    loop: asyncio.AbstractEventLoop | None = None
    results: list[tuple[float, str, str, int]] = field(
        default_factory=list
    )  # time, page, ref, status
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def on_publish(self, page: Any, pubs: list[Publication]) -> None:
        if not isinstance(page, StatuspagePage) or self.loop is None:
            return
        if not self.sends(page.model.n):
            return
        hook = self.templates.parse("hook_component")
        url = self.url.format(page_id=page.model.page_id, n=page.model.n)
        for pub in pubs:
            data = payload(page, pub, hook)
            if data is not None:
                body = json.dumps(data, ensure_ascii=False).encode()
                self.loop.call_soon_threadsafe(self._start, url, body, pub)

    def _start(self, url: str, body: bytes, pub: Publication) -> None:
        assert self.loop is not None
        task = self.loop.create_task(self._send(url, body, pub))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, url: str, body: bytes, pub: Publication) -> None:
        try:
            status = await post_json(url, body)
        except (TimeoutError, OSError, ValueError):
            status = 0
        self.results.append((time.time(), pub.page_id, pub.ref, status))


async def post_json(url: str, body: bytes, timeout: float = 30.0) -> int:
    """One POST, `Connection: close`; the response status (Statuspage wants a 2xx in 30 s)."""
    u = urlsplit(url)
    https = u.scheme == "https"
    port = u.port or (443 if https else 80)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(u.hostname, port, ssl=https or None), timeout
    )
    try:
        target = (u.path or "/") + (f"?{u.query}" if u.query else "")
        head = (
            f"POST {target} HTTP/1.1\r\nHost: {u.netloc}\r\nUser-Agent: statusmon-simulate\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + body)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        return int(line.split()[1])
    finally:
        writer.close()
        await writer.wait_closed()
