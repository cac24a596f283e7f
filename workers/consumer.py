"""The workers' consumer: it reconnects to a broker that is back within RECONNECT_MAX seconds,
and survives losing it with messages in hand.

Celery's consumer reconnects with kombu's default back-off, 2 s longer after each failed
attempt up to 30 s: measured in `make chaos`, the poll worker reconnected 12 s after a Redis
that had been down for 30 s was back (an attempt had just failed on "Redis is loading the
dataset"), and polls due meanwhile waited that long. Here an attempt is made every
RECONNECT_MAX seconds at most, and the consumer never gives up (celeryconfig:
broker_connection_max_retries = None), as a monitor meant to run for weeks should not.

On a lost connection Celery (5.7) collects the broken connection, then closes it; with
unacknowledged messages in hand, the close hands them back through a transport the collect has
already emptied, and raises AttributeError ('NoneType' object has no attribute 'hostname'):
"Unrecoverable error", the worker exits (seen in `make chaos` when Redis was restarted, and on
a Sentinel failover). Here that close's error is ignored like a connection error: the messages
stay in the broker's unacked hash, handed back by its sweep after the visibility timeout.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer

RECONNECT_MAX = 2.0  # seconds between two attempts, at most
RETRY = {"interval_start": 1.0, "interval_step": 1.0, "interval_max": RECONNECT_MAX}
log = logging.getLogger("statusmon.consumer")


class Consumer(CeleryConsumer):  # type: ignore[misc]
    def ensure_connected(self, conn: Any) -> Any:
        ensure = conn.ensure_connection

        def quick(*args: Any, **kwargs: Any) -> Any:
            return ensure(*args, **{**RETRY, **kwargs})

        conn.ensure_connection = quick
        return super().ensure_connected(conn)

    def on_connection_error_after_connected(self, exc: Any) -> Any:
        connection = self.connection
        if connection is not None:
            close = connection.close

            def tolerant_close() -> None:
                try:
                    close()
                except AttributeError as error:  # the collected transport (see module doc)
                    log.warning("unacknowledged messages left to the broker's sweep: %r", error)

            connection.close = tolerant_close
        return super().on_connection_error_after_connected(exc)
