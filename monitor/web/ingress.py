"""Webhook ingress: a thin Flask app that verifies, enqueues and answers in milliseconds.

`POST /webhook/<page>` (signed), `POST /webhook/<page>/<token>` (an `unsigned: true` page),
`POST /webhook` (when exactly one page takes webhooks), `GET /health`. Served by gunicorn as
`monitor.web.ingress:create_app()`. No detection and no printing here: a valid request becomes one
`statusmon.ingest` task (workers/webhook_tasks.py, sent by name) and a 202 receipt. Checks, in
order: page 404, content type 415, size 413, signature or token 401, JSON 400, page.id 401,
shape 422, replayed webhook-id 200 (not enqueued), broker down 503 + Retry-After.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from celery import Celery
from flask import Flask, Request, jsonify, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from kombu.exceptions import OperationalError
from werkzeug.exceptions import HTTPException

from monitor import keys, store
from monitor.adapters import get_adapter
from monitor.config import load_pages
from monitor.counters import record_webhook_rejection, rejection_reason
from monitor.errors import ParseError
from monitor.ingest import claim_delivery, release_delivery, webhook_kind
from monitor.logs import setup_logging
from monitor.pages import ConfigError, PageConfig
from monitor.settings import Settings, load_settings
from monitor.signing import SignatureError, Verified, token_matches, verify
from monitor.web.metrics import metrics_blueprint
from monitor.webhook_config import WebhookConfig

log = logging.getLogger("statusmon.ingress")
RETRY_AFTER = "30"  # seconds a sender should wait when the queue is unreachable
_DOWN = (OperationalError, redis.RedisError, OSError)
# A broker that is down is answered 503 within milliseconds, after two quick retries.
_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.05, "interval_max": 0.1}


class Refused(Exception):
    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


class Ingress:
    def __init__(self, settings: Settings, pages: list[PageConfig], broker_url: str) -> None:
        self.settings = settings
        self.pages = {p.id: p for p in pages}
        self.hooks = {p.id: p.webhook for p in pages if p.webhook is not None}
        timeouts = {"socket_connect_timeout": 1, "socket_timeout": 2}
        self.redis = redis.Redis.from_url(settings.broker_url, decode_responses=True, **timeouts)
        # Sends by task name only. No result backend: a Redis one would subscribe this process
        # to every task it sends. No task-sent event: a second publish per request (Flower
        # still sees each task from the worker's own events).
        self.celery = Celery("statusmon-ingress", set_as_current=False)
        self.celery.config_from_object("celeryconfig")
        transport = {**self.celery.conf.broker_transport_options, **timeouts}
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
        body = req.get_data(cache=True)  # the raw bytes, before any parsing; 413 past the limit
        headers = {k.lower(): v for k, v in req.headers.items()}
        message_id = self._authenticate(hook, token, body, headers, now).message_id
        payload = _json_object(body)
        if hook.mode == "unsigned" and _provider_page_id(payload) != hook.provider_page_id:
            raise Refused(401, "page.id is not this page's")
        try:
            get_adapter(webhook_kind(self.redis, page)).parse_webhook(payload, page)
        except ParseError as exc:
            raise Refused(422, str(exc)[:300]) from None
        except _DOWN:
            raise Refused(503, "queue unavailable", {"Retry-After": RETRY_AFTER}) from None
        window = 2 * hook.tolerance  # a message id is remembered as long as it could be valid
        try:
            if message_id and not claim_delivery(self.redis, page.id, message_id, window):
                return {"status": "duplicate", "page": page.id}, 200
            sent = self.celery.send_task(
                "statusmon.ingest",
                args=(page.id, payload),
                argsrepr=f"({page.id!r}, <payload>)",  # a repr of the payload costs ~2 ms
                kwargsrepr="{}",
                retry_policy=_PUBLISH_RETRY,
            )
        except _DOWN as exc:
            log.warning("page %s: webhook not queued: %s", page.id, type(exc).__name__)
            if message_id:
                _reachable(lambda: release_delivery(self.redis, page.id, message_id))
            raise Refused(503, "queue unavailable", {"Retry-After": RETRY_AFTER}) from None
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

    def health(self, now: float) -> tuple[dict[str, Any], int]:
        up, broker = _reachable(self.redis.ping), _reachable(self._broker_up)
        roles = {role: self._seen(role, now) for role in keys.ROLES}
        limit = self.settings.web.stale_after
        fresh = all(r["age"] is not None and r["age"] <= limit for r in roles.values())
        ok = up and broker and fresh
        body: dict[str, Any] = {
            "status": "ok" if ok else "unhealthy",
            "redis": up,
            "broker": broker,
        }
        body |= {"roles": roles, "pages": len(self.pages), "webhook_pages": len(self.hooks)}
        return body, 200 if ok else 503

    def _seen(self, role: str, now: float) -> dict[str, float | None]:
        try:
            seen = store.last_seen(self.redis, role)
        except _DOWN:
            seen = None
        return {"last_seen": seen, "age": None if seen is None else round(now - seen, 3)}

    def _broker_up(self) -> None:
        with self.celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)


def create_app(settings: Settings | None = None, broker_url: str | None = None) -> Flask:
    """The app; `settings` None: from the environment (gunicorn), exit 3 on a bad config.
    `broker_url`: where webhooks are queued (default: the settings' Redis)."""
    try:
        if settings is None:
            settings = load_settings()
            setup_logging(settings.log_level)
        pages = load_pages(settings.pages_path)
        ingress = Ingress(settings, pages, broker_url or settings.broker_url)
    except ConfigError as exc:
        for problem in exc.problems:
            log.error("%s", problem)
        raise SystemExit(3) from None  # gunicorn: a worker boot error stops the server
    app = Flask("statusmon")
    app.register_blueprint(metrics_blueprint(settings.broker_url))
    app.config["MAX_CONTENT_LENGTH"] = settings.web.max_bytes
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.broker_url,
        storage_options={"key_prefix": keys.PREFIX + "limits", "socket_connect_timeout": 1},
        in_memory_fallback_enabled=True,  # Redis down: limit per process, one warning
    )

    @app.post("/webhook", defaults={"page_id": None, "token": None})
    @app.post("/webhook/<page_id>", defaults={"token": None})
    @app.post("/webhook/<page_id>/<token>")
    @limiter.limit(settings.web.rate_limit)
    def webhook(page_id: str | None, token: str | None) -> ResponseReturnValue:
        body, status = ingress.receive(page_id, token, request, time.time())
        return jsonify(body), status

    @app.get("/health")
    def health() -> ResponseReturnValue:
        body, status = ingress.health(time.time())
        return jsonify(body), status

    @app.errorhandler(Refused)
    def refused(exc: Refused) -> ResponseReturnValue:
        if exc.status != 503:  # with Redis down, counting it would only add a timeout
            record_webhook_rejection(ingress.redis, rejection_reason(exc.status))
        return jsonify(error=exc.reason), exc.status, exc.headers

    @app.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded) -> ResponseReturnValue:
        record_webhook_rejection(ingress.redis, rejection_reason(429))
        limit = limiter.current_limit
        wait = max(1, int(limit.reset_at - time.time())) if limit else 60
        return jsonify(error="rate limit exceeded"), 429, {"Retry-After": str(wait)}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        return jsonify(error=exc.name), exc.code or 500

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:  # one line, no trace, no payload
        log.error("%s %s: unexpected %s", request.method, request.path, type(exc).__name__)
        return jsonify(error="internal error"), 500

    return app


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise Refused(400, "body is not JSON") from None
    if not isinstance(payload, dict):
        raise Refused(400, "body is not a JSON object")
    return payload


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _provider_page_id(payload: dict[str, Any]) -> Any:
    page = payload.get("page")
    return page.get("id") if isinstance(page, dict) else None


def _reachable(check: Callable[[], object]) -> bool:
    try:
        check()
    except _DOWN:
        return False
    return True
