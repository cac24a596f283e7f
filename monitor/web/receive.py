"""One webhook request, from its bytes to a queued `statusmon.ingest` task and a receipt.

Checks, in order: page 404, content type 415, size 413, signature or token 401, JSON 400,
page.id 401, shape 422, replay 200 "duplicate" (not enqueued), broker down 503 + Retry-After.
A replay is a delivery already enqueued within the window (WEBHOOK_REPLAY_WINDOW, and at
least twice a Standard Webhooks tolerance): the same signed webhook-id, or for `hmac` and
`github` the same signed body. A delivery is remembered only once it is enqueued: one whose
publish failed is not a replay when the sender retries it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from flask import Request

from monitor import store
from monitor.adapters import get_adapter
from monitor.errors import ParseError
from monitor.ingest import delivered, remember_delivery, webhook_kind
from monitor.pages import PageConfig
from monitor.settings import Settings
from monitor.signing import SignatureError, Verified, token_matches, verify
from monitor.web.health import DOWN, reachable
from monitor.web.request import Refused, json_object, provider_page_id, read_body
from monitor.webhook_config import WebhookConfig

log = logging.getLogger("statusmon.ingress")
RETRY_AFTER = "30"  # seconds a sender should wait when the queue is unreachable
# A broker that is down is answered 503 within milliseconds, after two quick retries.
_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.05, "interval_max": 0.1}
TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 2}


class Ingress:
    def __init__(
        self, settings: Settings, pages: list[PageConfig], broker: tuple[str, dict[str, Any]]
    ) -> None:
        """`broker`: where webhooks are queued, a URL and its transport options."""
        self.settings = settings
        self.pages = {p.id: p for p in pages}
        self.hooks = {p.id: p.webhook for p in pages if p.webhook is not None}
        self.redis = store.connect(settings.redis, health_check_interval=0, **TIMEOUTS)
        # Sends by task name only. No result backend: a Redis one would subscribe this process
        # to every task it sends. No task-sent event: a second publish per request (Flower
        # still sees each task from the worker's own events).
        self.celery = Celery("statusmon-ingress", set_as_current=False)
        self.celery.config_from_object("celeryconfig")
        broker_url, options = broker
        transport = {**self.celery.conf.broker_transport_options, **options, **TIMEOUTS}
        self.celery.conf.update(
            broker_url=broker_url,
            result_backend=None,
            broker_transport_options=transport,
            task_send_sent_event=False,
        )

    def receive(
        self, page_id: str | None, token: str | None, req: Request, now: float
    ) -> tuple[dict[str, Any], int]:
        page, hook = self._page(page_id)
        if req.mimetype != "application/json" and not req.mimetype.endswith("+json"):
            raise Refused(415, "expected Content-Type: application/json")
        body = read_body(req, self.settings.web.max_bytes)  # the raw bytes, before any parsing
        headers = {k.lower(): v for k, v in req.headers.items()}
        replay_id = self._authenticate(hook, token, body, headers, now).replay_id
        payload = json_object(body)
        if hook.mode == "unsigned" and provider_page_id(payload) != hook.provider_page_id:
            raise Refused(401, "page.id is not this page's")
        try:
            get_adapter(webhook_kind(self.redis, page)).parse_webhook(payload, page)
        except ParseError as exc:
            raise Refused(422, str(exc)[:300]) from None
        except DOWN:
            raise Refused(503, "queue unavailable", {"Retry-After": RETRY_AFTER}) from None
        try:
            if replay_id and delivered(self.redis, page.id, replay_id):
                return {"status": "duplicate", "page": page.id}, 200
            sent = self.celery.send_task(
                "statusmon.ingest",
                args=(page.id, payload),
                argsrepr=f"({page.id!r}, <payload>)",  # a repr of the payload costs ~2 ms
                kwargsrepr="{}",
                retry_policy=_PUBLISH_RETRY,
            )
        except DOWN as exc:
            log.warning("page %s: webhook not queued: %s", page.id, type(exc).__name__)
            raise Refused(503, "queue unavailable", {"Retry-After": RETRY_AFTER}) from None
        if replay_id:
            window = self.settings.web.replay_window
            if hook.mode == "standard":  # a replay in the timestamp window must stay known
                window = max(window, 2 * hook.tolerance)
            if not reachable(lambda: remember_delivery(self.redis, page.id, replay_id, window)):
                log.warning("page %s: webhook queued, not remembered against replays", page.id)
        return {"status": "accepted", "page": page.id, "task": sent.id}, 202

    def _page(self, page_id: str | None) -> tuple[PageConfig, WebhookConfig]:
        if page_id is None and len(self.hooks) == 1:
            page_id = next(iter(self.hooks))
        hook = self.hooks.get(page_id or "")
        if page_id is None or hook is None:
            raise Refused(404, "no such webhook page")
        return self.pages[page_id], hook

    def _authenticate(
        self,
        hook: WebhookConfig,
        token: str | None,
        body: bytes,
        headers: dict[str, str],
        now: float,
    ) -> Verified:
        if hook.mode == "unsigned":
            if not token_matches(hook.secrets.values_, token):
                raise Refused(401, "bad or missing path token")
            return Verified()
        if token is not None:
            raise Refused(404, "no such webhook page")  # a signed page has no token path
        try:
            return verify(hook.mode, hook.secrets.values_, body, headers, now, hook.tolerance)
        except SignatureError as exc:
            raise Refused(401, str(exc)) from None

    def broker_up(self) -> None:
        with self.celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
