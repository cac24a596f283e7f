"""The Celery app. Beat has one entry, a 1 s tick that fans out due polls (monitor.schedule)."""

from __future__ import annotations

import time
from typing import Any

from celery import Celery
from celery.signals import beat_init

from monitor.config import load_pages
from monitor.registry import sync_pages
from monitor.settings import load_settings
from workers import (
    notify_broker,  # noqa: F401 - the notifier's own unacked keys (at its init)
    priority,  # noqa: F401 - its celeryd_init hook, connected before the worker's
)
from workers.runtime import connect

app = Celery(
    "statusmon",
    include=[
        "workers.logging_setup",
        "workers.tasks",
        "workers.webhook_tasks",
        "workers.deliver_tasks",
        "workers.heartbeats",
    ],
)
app.config_from_object("celeryconfig")
SETTINGS = load_settings()  # every variable checked once, at import: a bad one stops the process
app.conf.update(
    broker_url=SETTINGS.broker_url,
    result_backend=SETTINGS.broker_url,
    # REDIS_SENTINELS: the master's name and the sentinels' timeouts and password
    broker_transport_options={**app.conf.broker_transport_options, **SETTINGS.broker_options},
    result_backend_transport_options=SETTINGS.broker_options,
)


@beat_init.connect
def _sync_pages_on_beat_start(sender: Any = None, **_: Any) -> None:
    """Adding or removing a page takes a beat restart (or `statusmon pages sync`)."""
    from workers.logging_setup import use_statusmon_logging

    use_statusmon_logging(SETTINGS.log_level)  # beat's "Sending due task tick" lines: DEBUG only
    sync_pages(connect(SETTINGS), load_pages(SETTINGS.pages_path), time.time())
