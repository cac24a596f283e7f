"""Webhook ingress: a thin Flask app that verifies, enqueues and answers in milliseconds.

`POST /webhook/<page>` (signed), `POST /webhook/<page>/<token>` (an `unsigned: true` page),
`POST /webhook` (when exactly one page takes webhooks), `GET /health` (public: ok/unhealthy
only, monitor/web/health.py), `GET /metrics` (METRICS_TOKEN, or loopback clients only:
monitor/web/access.py). Served by gunicorn as `monitor.web.ingress:create_app()`. No detection
and no printing here: a valid request becomes one `statusmon.ingest` task (sent by name,
monitor/web/receive.py) and a 202 receipt.

Logs never show a request's path (an unsigned page's token is in it): an unexpected error names
the route and the page; every configured secret and token is also redacted from every line.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from monitor import keys
from monitor.config import load_pages
from monitor.counters import record_webhook_rejection, rejection_reason
from monitor.logs import setup_logging
from monitor.pages import ConfigError
from monitor.redact import redact_also
from monitor.settings import Settings, load_settings
from monitor.web.access import guard
from monitor.web.board_app import board_blueprint
from monitor.web.health import Health, health_blueprint
from monitor.web.metrics import metrics_blueprint
from monitor.web.receive import Ingress
from monitor.web.request import Refused
from monitor.webhook_config import secret_texts

log = logging.getLogger("statusmon.ingress")


def create_app(settings: Settings | None = None, broker_url: str | None = None) -> Flask:
    """The app; `settings` None: from the environment (gunicorn), exit 3 on a bad config.
    `broker_url`: where webhooks are queued (default: the settings' Redis, or Sentinel's)."""
    try:
        if settings is None:
            settings = load_settings()
            setup_logging(settings.log_level, settings.log_format)
        pages = load_pages(settings.pages_path)
        broker = (broker_url, {}) if broker_url else (settings.broker_url, settings.broker_options)
        ingress = Ingress(settings, pages, broker)
    except ConfigError as exc:
        for problem in exc.problems:
            log.error("%s", problem)
        raise SystemExit(3) from None  # gunicorn: a worker boot error stops the server
    redact_also(text for hook in ingress.hooks.values() for text in secret_texts(hook))
    app = Flask("statusmon")
    metrics = metrics_blueprint(settings.redis, settings.redis_memory_high)
    app.register_blueprint(guard(metrics, settings.web.metrics_token))
    health = Health(
        ingress.redis, ingress.broker_up, settings.web.stale_after, settings.redis_memory_high
    )
    app.register_blueprint(health_blueprint(health))
    app.register_blueprint(board_blueprint(settings))
    where, options = limits_storage(settings)
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=where,
        storage_options={"key_prefix": keys.PREFIX + "limits", **options},
        in_memory_fallback_enabled=True,  # Redis down: limit per process, one warning
    )

    @app.post("/webhook", defaults={"page_id": None, "token": None})
    @app.post("/webhook/<page_id>", defaults={"token": None})
    @app.post("/webhook/<page_id>/<token>")
    @limiter.limit(settings.web.rate_limit)
    def webhook(page_id: str | None, token: str | None) -> ResponseReturnValue:
        body, status = ingress.receive(page_id, token, request, time.time())
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
    def unexpected(exc: Exception) -> ResponseReturnValue:  # one line: no trace, no payload
        log.error("%s %s: unexpected %s", request.method, _route(), type(exc).__name__)
        return jsonify(error="internal error"), 500

    def _route() -> str:
        """The route's pattern and the page it names, never the path (it may hold a token)."""
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        page = (request.view_args or {}).get("page_id")
        return f"{rule} (page {page})" if page in ingress.pages else rule

    return app


def limits_storage(settings: Settings) -> tuple[str, dict[str, Any]]:
    """The rate limiter's storage URI and options: REDIS_URL, or the primary through Sentinel."""
    where = settings.redis
    if isinstance(where, str):
        return where, {"socket_connect_timeout": 1}
    return where.limits_uri(), {"socket_connect_timeout": 1, **where.limits_options()}
