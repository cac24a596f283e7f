"""The workers' consumer: it reconnects to a broker that is back within RECONNECT_MAX seconds.

Celery's consumer reconnects with kombu's default back-off, 2 s longer after each failed
attempt up to 30 s: measured in `make chaos`, the poll worker reconnected 12 s after a Redis
that had been down for 30 s was back (an attempt had just failed on "Redis is loading the
dataset"), and polls due meanwhile waited that long. Here an attempt is made every
RECONNECT_MAX seconds at most, and the consumer never gives up (celeryconfig:
broker_connection_max_retries = None), as a monitor meant to run for weeks should not.
"""

from __future__ import annotations

from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer

RECONNECT_MAX = 2.0  # seconds between two attempts, at most
RETRY = {"interval_start": 1.0, "interval_step": 1.0, "interval_max": RECONNECT_MAX}


class Consumer(CeleryConsumer):  # type: ignore[misc]
    def ensure_connected(self, conn: Any) -> Any:
        ensure = conn.ensure_connection

        def quick(*args: Any, **kwargs: Any) -> Any:
            return ensure(*args, **{**RETRY, **kwargs})

        conn.ensure_connection = quick
        return super().ensure_connected(conn)
