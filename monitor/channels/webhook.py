"""`webhook`: the event as JSON (`statusmon.event.v1`) to any URL, signed per Standard Webhooks.

    ops-hook:
      type: webhook
      url: https://hooks.example.com/statusmon     # or url_env: NAME (a URL carrying a token)
      secret_env: STATUSMON_WEBHOOK_SECRET          # whsec_<base64>; optional (unsigned)

Body: {"type": "statusmon.event.v1", "test": false, "data": <the event as
`--format json` prints it>}. Headers: `webhook-id` (the event's dedup key: the same on every
retry and replay, so a receiver dedups on it), `webhook-timestamp` (unix seconds) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.channels.base import Answer, AnyEvent, Message, Problems, http_url, secret, text
from monitor.channels.http import post
from monitor.output import render_json
from monitor.signing import sign_standard, standard_key

DEFAULT_RATE = 10.0
TYPE = "statusmon.event.v1"


@dataclass(frozen=True)
class WebhookSender(AnyEvent):
    url: str = field(repr=False)
    key: bytes | None = field(default=None, repr=False)

    def body(self, message: Message) -> bytes:
        return json.dumps(
            {
                "type": TYPE,
                "test": message.test,
                "data": json.loads(render_json(message.event, message.tz)),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()

    def send(self, message: Message, deadline: float) -> Answer:
        body = self.body(message)
        msg_id = f"test_{uuid.uuid4().hex}" if message.test else message.event.dedup_key
        headers = {"Content-Type": "application/json", "webhook-id": msg_id}
        if self.key is not None:
            stamp = int(time.time())
            headers["webhook-timestamp"] = str(stamp)
            headers["webhook-signature"] = sign_standard(self.key, msg_id, stamp, body)
        return post(self.url, body, deadline, headers)[0]


def parse(raw: Mapping[str, Any], env: Mapping[str, str], p: Problems) -> WebhookSender:
    if "url" in raw:
        url = http_url(text(raw, "url", p), "url", p)
    else:
        url = http_url(secret(raw, "url", env, p), "url_env", p)
    key = None
    if "secret_env" in raw:
        value = secret(raw, "secret", env, p)
        try:
            key = standard_key(value) if value else None
        except ValueError as exc:
            p.add("secret_env", str(exc))
    return WebhookSender(url, key)
