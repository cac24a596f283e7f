"""GET /health: public, so it says only ok or unhealthy, for the whole and for each part.

Parts: `redis` (the state store answers PING), `broker` (a connection to the queue), and each
role's heartbeat (`poll`, `notifier`, `beat`: seen within HEALTH_STALE_AFTER seconds). No ages,
counts, versions or addresses: /metrics (behind its token) has the numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from kombu.exceptions import OperationalError

from monitor import keys, store

DOWN = (OperationalError, redis.RedisError, OSError)
OK, UNHEALTHY = "ok", "unhealthy"


def reachable(check: Callable[[], object]) -> bool:
    try:
        check()
    except DOWN:
        return False
    return True


class Health:
    def __init__(self, r: redis.Redis, broker_up: Callable[[], None], stale_after: float) -> None:
        self.redis, self.broker_up, self.stale_after = r, broker_up, stale_after

    def check(self, now: float) -> tuple[dict[str, object], int]:
        parts = {"redis": reachable(self.redis.ping), "broker": reachable(self.broker_up)}
        roles = {role: self._fresh(role, now) for role in keys.ROLES}
        ok = all(parts.values()) and all(roles.values())
        body: dict[str, object] = {"status": _word(ok)}
        body |= {name: _word(up) for name, up in parts.items()}
        body["roles"] = {role: _word(fresh) for role, fresh in roles.items()}
        return body, 200 if ok else 503

    def _fresh(self, role: str, now: float) -> bool:
        try:
            seen = store.last_seen(self.redis, role)
        except DOWN:
            return False
        return seen is not None and now - seen <= self.stale_after


def _word(ok: bool) -> str:
    return OK if ok else UNHEALTHY


def health_blueprint(health: Health) -> Blueprint:
    blueprint = Blueprint("health", __name__)

    @blueprint.get("/health")
    def health_view() -> ResponseReturnValue:
        body, status = health.check(time.time())
        return jsonify(body), status

    return blueprint
