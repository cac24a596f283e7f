"""Per-process resources for tasks: settings, one Redis client, one requests session."""

from __future__ import annotations

import sys
from functools import cached_property

import redis
from celery import Task

from monitor import store
from monitor.fetch import new_session
from monitor.output import render
from monitor.poll import Poller
from monitor.settings import Settings, load_settings


def connect(settings: Settings) -> redis.Redis:
    return store.connect(settings.broker_url)


class RuntimeTask(Task):  # type: ignore[misc]
    """Resources live on the task instance: one per worker process, built on first use."""

    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def redis(self) -> redis.Redis:
        return connect(self.settings)

    @cached_property
    def poller(self) -> Poller:
        return Poller(self.redis, new_session(), self.settings.fetch_timeout)

    def write_line(self, event: object) -> None:
        from monitor.events import StatusEvent

        assert isinstance(event, StatusEvent)
        out = sys.__stdout__ or sys.stdout
        out.write(render(event, self.settings.tz, self.settings.output_format) + "\n")
        out.flush()
