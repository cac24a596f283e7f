"""GET /health: public, so it says only ok or unhealthy, for the whole and for each part.

Parts: `redis` (the state store answers PING), `broker` (a connection to the queue), `memory`
(unhealthy while Redis memory is past REDIS_MEMORY_HIGH of maxmemory and the tick holds polls
back: monitor.memory), and each role's heartbeat (`poll`, `notifier`, `beat`: seen within
HEALTH_STALE_AFTER seconds). When all are up but a channel gave a delivery up in the last day
(a dead letter, `statusmon channels status`), the whole and `deliveries` say `degraded`, still
with 200. No ages, counts, versions or addresses: /metrics (behind its token) has the numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from kombu.exceptions import OperationalError

from monitor import keys, store
from monitor.delivery import dead_letter_count
from monitor.memory import MemoryGauge

DOWN = (OperationalError, redis.RedisError, OSError)
OK, DEGRADED, UNHEALTHY = "ok", "degraded", "unhealthy"
DEAD_LETTER_WINDOW = 86400  # seconds: a delivery given up within it makes the whole degraded


def reachable(check: Callable[[], object]) -> bool:
    try:
        check()
    except DOWN:
        return False
    return True


class Health:
    def __init__(
        self,
        r: redis.Redis,
        broker_up: Callable[[], None],
        stale_after: float,
        memory_high: float = 0.8,
    ) -> None:
        self.redis, self.broker_up, self.stale_after = r, broker_up, stale_after
        self.memory = MemoryGauge(r, memory_high)

    def check(self, now: float) -> tuple[dict[str, object], int]:
        parts = {"redis": reachable(self.redis.ping), "broker": reachable(self.broker_up)}
        parts["memory"] = self._memory_ok()
        roles = {role: self._fresh(role, now) for role in keys.ROLES}
        ok = all(parts.values()) and all(roles.values())
        body: dict[str, object] = {"status": _word(ok)}
        body |= {name: _word(up) for name, up in parts.items()}
        body["roles"] = {role: _word(fresh) for role, fresh in roles.items()}
        body["deliveries"] = self._deliveries(now)
        if ok and body["deliveries"] == DEGRADED:  # serving, but a channel lost a message
            body["status"] = DEGRADED
        return body, 200 if ok else 503

    def _memory_ok(self) -> bool:
        try:
            return not self.memory.read().high
        except DOWN:
            return False

    def _deliveries(self, now: float) -> str:
        try:
            given_up = dead_letter_count(self.redis, now - DEAD_LETTER_WINDOW)
        except DOWN:
            return UNHEALTHY
        return DEGRADED if given_up else OK

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
