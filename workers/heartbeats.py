"""Worker heartbeats for /health: every worker-heartbeat event (2 s, Celery's `Heart`) also
writes `statusmon:alive:<role>`, so an idle notifier is still seen alive. The role is the
node name's prefix (`poll@host`, `notifier@host`; see monitor/cli/processes.py)."""

from __future__ import annotations

import logging
from typing import Any

import redis
from celery.signals import heartbeat_sent

from monitor import store
from workers.tasks import tick

log = logging.getLogger("statusmon.heartbeats")


@heartbeat_sent.connect
def _alive(sender: Any = None, **_: Any) -> None:
    hostname = str(getattr(getattr(sender, "eventer", None), "hostname", "") or "")
    role = hostname.split("@")[0]
    if not role:
        return
    try:
        store.heartbeat(tick.redis, role)  # the process's one Redis client (RuntimeTask)
    except redis.RedisError as exc:
        log.warning("heartbeat of %s not written: %s", role, type(exc).__name__)
