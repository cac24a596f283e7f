"""Webhook test helpers: pages files, signed requests, and what reached the broker's queue."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import redis

from monitor import keys
from monitor.signing import sign_hex, sign_standard, standard_key
from tests.paths import FIXTURES

# Real Statuspage webhook captures (../shared/fixtures/README.md), posted byte for byte.
CAPTURES = {
    "component": "statuspage/webhook-component-update-zulip.json",
    "incident": "statuspage/webhook-incident-created-zulip.json",
    "atlassian": "statuspage/webhook-incident-atlassian-docs-example.json",
}
HMAC_SECRET = "It's a Secret to Everybody, 32 bytes or more"  # MIN_HMAC_SECRET
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TOKEN = "tok_8Qm2x7Rk1Vb9Zp4Lw6Nc3Hs5"
JSON = "application/json"


def capture(name: str) -> bytes:
    return (FIXTURES / CAPTURES[name]).read_bytes()


def write_pages(folder: Path, pages: list[dict[str, Any]]) -> Path:
    path = folder / "pages.yaml"
    path.write_text(json.dumps({"pages": pages}), encoding="utf-8")  # JSON is YAML
    return path


def hmac_headers(body: bytes, secret: str = HMAC_SECRET, prefix: str = "") -> dict[str, str]:
    return {"Content-Type": JSON, "X-Signature": prefix + sign_hex(secret.encode(), body)}


def github_headers(body: bytes, secret: str = HMAC_SECRET) -> dict[str, str]:
    signature = "sha256=" + sign_hex(secret.encode(), body)
    return {"Content-Type": JSON, "X-Hub-Signature-256": signature}


def standard_headers(
    body: bytes, msg_id: str, secret: str = STANDARD_SECRET, at: float | None = None
) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    return {
        "Content-Type": JSON,
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_standard(standard_key(secret), msg_id, stamp, body),
    }


class Queue:
    """The broker's `control` list (where webhooks go) in a Redis database of its own, read
    without consuming."""

    def __init__(self, url: str, name: str = keys.CONTROL_QUEUE) -> None:
        self.url, self.name = url, name
        self.client = redis.Redis.from_url(url)

    def clear(self) -> None:
        self.client.flushdb()

    def __len__(self) -> int:
        return int(self.client.llen(self.name))

    def messages(self) -> list[dict[str, Any]]:
        """Oldest first: {"task", "id", "args"} of each queued Celery message."""
        found = []
        for raw in reversed(self.client.lrange(self.name, 0, -1)):
            message = json.loads(raw)
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            headers = message["headers"]
            found.append({"task": headers["task"], "id": headers["id"], "args": args})
        return found

    def close(self) -> None:
        self.client.close()
