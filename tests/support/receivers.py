"""Loopback receivers that check what the real services check, with scripted failures.

Each path has a checker (what Slack, Discord, Teams, PagerDuty or a Standard Webhooks
receiver would refuse, answered as they answer it) and an optional script of replies to give
first: an HTTP status (with headers), "hang" (never answer) or "trickle" (answer a byte a
second, forever).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook

Check = Callable[[bytes, dict[str, str]], tuple[int, str]]  # -> (status, body)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int
    port: int = 0  # the client's: requests on one kept-alive connection share it

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "answer"  # answer | hang | trickle


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # listen backlog: the default 5 resets a burst's connections,
    # which no real receiver (Slack, a load balancer) does


class Receiver:
    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}
        self.scripts: dict[str, list[Reply]] = {}
        self.received: list[Received] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # connections kept alive, as the real services do
            # An answer's headers and body leave in one write (flushed after each request), as
            # real servers send them: two small writes on a kept-alive connection would wait
            # ~40 ms for the client's delayed ACK (Nagle), a stall no real receiver adds.
            wbufsize = -1

            def do_POST(self) -> None:
                server._serve(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def on(self, path: str, check: Check, *script: Reply) -> str:
        with self._changed:
            self.checks[path] = check
            self.scripts[path] = list(script)
        return self.url + path

    def at(self, path: str) -> list[Received]:
        with self._changed:
            return [r for r in self.received if r.path == path]

    def wait(self, path: str, count: int, timeout: float = 60) -> list[Received]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.at(path)) >= count, timeout):
                raise AssertionError(f"{path}: {len(self.at(path))} requests, wanted {count}")
            return self.at(path)

    def close(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        path = handler.path
        with self._changed:
            script = self.scripts.get(path) or []
            reply = script.pop(0) if script else None
            check = self.checks.get(path)
        if reply is not None and reply.mode == "hang":
            self._record(path, headers, body, 0, handler)
            self._stop.wait(120)
            return
        if reply is not None and reply.mode == "trickle":
            self._record(path, headers, body, 0, handler)
            handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
            while not self._stop.wait(0.5):
                try:
                    handler.wfile.write(b"X")
                    handler.wfile.flush()
                except OSError:
                    return
            return
        if reply is not None:
            status, text, extra = reply.status, "", reply.headers
        elif check is not None:
            (status, text), extra = check(body, headers), {}
        else:
            status, text, extra = 404, "no such hook", {}
        self._record(path, headers, body, status, handler)
        data = text.encode()
        handler.send_response(status)
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _record(
        self,
        path: str,
        headers: dict[str, str],
        body: bytes,
        status: int,
        handler: BaseHTTPRequestHandler,
    ) -> None:
        port = int(handler.client_address[1])
        with self._changed:
            self.received.append(Received(path, headers, body, time.time(), status, port))
            self._changed.notify_all()


def standard_webhooks(secret: str) -> Check:
    """A Standard Webhooks receiver: the reference package verifies every request."""

    def check(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        try:
            Webhook(secret).verify(body, headers)
        except Exception as exc:
            return 401, f"{type(exc).__name__}: {exc}"
        return 200, "ok"

    return check


def slack(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """Slack's incoming webhook: 400 invalid_payload / invalid_blocks, else 200 ok."""
    try:
        data = json.loads(body)
    except ValueError:
        return 400, "invalid_payload"
    if not data.get("text") and not data.get("blocks") and not data.get("attachments"):
        return 400, "no_text"
    blocks = list(data.get("blocks") or [])
    for attachment in data.get("attachments") or []:
        colour = attachment.get("color", "#000000")
        if not (isinstance(colour, str) and colour.startswith("#") and len(colour) == 7):
            return 400, "invalid_attachments"
        blocks += attachment.get("blocks") or []
    if len(blocks) > 50 or len(data.get("text") or "") > 40000:
        return 400, "invalid_blocks"
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            text = block.get("text") or {}
            if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= 150:
                return 400, "invalid_blocks"
        elif kind == "section":
            if not 0 < len((block.get("text") or {}).get("text", "")) <= 3000:
                return 400, "invalid_blocks"
        elif kind == "context":
            if not 0 < len(block.get("elements") or []) <= 10:
                return 400, "invalid_blocks"
        elif kind == "actions":
            for element in block.get("elements") or []:
                if element.get("type") == "button" and len(element.get("url", "")) > 3000:
                    return 400, "invalid_blocks"
        else:
            return 400, "invalid_blocks"
    return 200, "ok"


def discord(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """Discord's webhook: embed limits (title 256, description 4096, fields 25 of 256/1024,
    footer 2048, total 6000), colour an integer; 204 when accepted."""
    data = json.loads(body)
    embeds = data.get("embeds") or []
    if (not data.get("content") and not embeds) or len(embeds) > 10:
        return 400, '{"message": "Cannot send an empty message", "code": 50006}'
    for embed in embeds:
        fields = embed.get("fields") or []
        sizes = [
            len(embed.get("title", "")) <= 256,
            len(embed.get("description", "")) <= 4096,
            len(fields) <= 25,
            all(len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024 for f in fields),
            len((embed.get("footer") or {}).get("text", "")) <= 2048,
            isinstance(embed.get("color", 0), int) and 0 <= embed.get("color", 0) <= 0xFFFFFF,
        ]
        total = (
            len(embed.get("title", ""))
            + len(embed.get("description", ""))
            + sum(len(f["name"]) + len(f["value"]) for f in fields)
            + len((embed.get("footer") or {}).get("text", ""))
        )
        if not all(sizes) or total > 6000:
            return 400, '{"message": "Invalid Form Body", "code": 50035}'
    return 204, ""


def teams(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """A Workflows webhook posting an Adaptive Card: a message with one card attachment,
    AdaptiveCard version at most 1.5 (what Teams renders), body elements typed; 202."""
    data = json.loads(body)
    attachments = data.get("attachments") or []
    if data.get("type") != "message" or len(attachments) != 1:
        return 400, "expected a message with one attachment"
    attachment = attachments[0]
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        return 400, "not an Adaptive Card"
    card = attachment.get("content") or {}
    version = tuple(int(p) for p in str(card.get("version", "0")).split("."))
    if card.get("type") != "AdaptiveCard" or not (1, 0) <= version <= (1, 5):
        return 400, "unsupported Adaptive Card version"
    if not card.get("body") or not all("type" in element for element in card["body"]):
        return 400, "card body elements need a type"
    return 202, ""


def pagerduty(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """Events API v2: routing_key (32 characters), event_action, dedup_key ≤ 255; a trigger
    needs payload.summary ≤ 1024, payload.source and payload.severity."""
    data = json.loads(body)
    errors = []
    if len(data.get("routing_key", "")) != 32:
        errors.append("'routing_key' is invalid")
    if data.get("event_action") not in ("trigger", "acknowledge", "resolve"):
        errors.append("'event_action' is invalid")
    if not 0 < len(data.get("dedup_key", "")) <= 255:
        errors.append("'dedup_key' is invalid")
    if data.get("event_action") == "trigger":
        payload = data.get("payload") or {}
        if not 0 < len(payload.get("summary", "")) <= 1024:
            errors.append("'payload.summary' is missing or too long")
        if not payload.get("source"):
            errors.append("'payload.source' is missing")
        if payload.get("severity") not in ("critical", "error", "warning", "info"):
            errors.append("'payload.severity' is invalid")
    if errors:
        return 400, json.dumps(
            {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        )
    answer = {"status": "success", "message": "Event processed", "dedup_key": data["dedup_key"]}
    return 202, json.dumps(answer)


def accept(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    return 200, "ok"
