"""Per-process resources for tasks: settings, one Redis client, one requests session."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import Any, TextIO

import redis
from celery import Task
from celery.signals import celeryd_init

from monitor import keys, routing, store
from monitor.channel_config import ChannelConfig, load_channels
from monitor.eventlog import Recorder
from monitor.events import StatusEvent
from monitor.memory import MemoryGauge, PollGate
from monitor.output import render
from monitor.pages import ConfigError
from monitor.poll import Poller
from monitor.session import new_session
from monitor.settings import Settings, load_settings


def connect(settings: Settings) -> redis.Redis:
    return store.connect(settings.redis)


class RuntimeTask(Task):  # type: ignore[misc]
    """Resources live on the task instance: one per worker process, built on first use."""

    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def redis(self) -> redis.Redis:
        return connect(self.settings)

    @cached_property
    def poll_gate(self) -> PollGate:
        """The tick's back-pressure: no polls while Redis memory is past REDIS_MEMORY_HIGH."""
        return PollGate(MemoryGauge(self.redis, self.settings.redis_memory_high))

    @cached_property
    def fetchers(self) -> ThreadPoolExecutor:
        """Threads for the pages of one poll_pages task: their network waits overlap."""
        return ThreadPoolExecutor(self.settings.poll_fetchers, "fetch")

    @cached_property
    def deliverers(self) -> ThreadPoolExecutor:
        """The deliverer's attempt threads (DELIVER_CONCURRENCY), shared by its tasks: a slow
        receiver holds one of them, not the others; a failing channel one at most
        (monitor.sending). Few: an attempt to a healthy receiver is mostly CPU, and 32 threads
        contending for the GIL cost half as much CPU again (bench.channels)."""
        return ThreadPoolExecutor(self.settings.deliver_concurrency, "deliver")

    @cached_property
    def poller(self) -> Poller:
        settings = self.settings
        session = new_session(settings.poll_fetchers, settings.max_body, settings.private_redirects)
        return Poller(self.redis, session, settings.fetch_timeout)

    @cached_property
    def channels(self) -> dict[str, ChannelConfig]:
        """pages.yaml's channels, read once per process (secrets stay in this process);
        checked when the worker starts (`_channels_are_valid`)."""
        return channels_of(self.settings)

    @cached_property
    def recorder(self) -> Recorder:
        """The notifier's mark: log the event and file the deliveries its routing wants."""
        return Recorder(self.settings.tz, self.settings.events_retention_days, self.route)

    def route(self, event: StatusEvent) -> tuple[list[str], str]:
        """The channels that want the event, and its severity (for their colours, paging) when
        it was judged here: the page state (a large JSON document for a large page) is read
        only if a channel's rules need it; else each attempt judges the severity itself."""
        if not self.channels:
            return [], ""
        needs = any(c.route.needs_state for c in self.channels.values())
        state = store.load_state(self.redis, event.page_id) if needs else None
        wanted = [name for name, c in self.channels.items() if c.wants(event, state)]
        judged = needs or event.kind != "incident"  # only an open incident's reads the state
        return wanted, routing.severity(state, event) if judged else ""

    def fault(self, step: str) -> None:
        """Called by monitor.notify after each step of a delivery; a test's seam
        (tests/support/faulty_notifier.py kills the process there). Does nothing."""

    # The status stream: the process's original stdout, taken over by `take_stdout`.
    stream: TextIO = sys.stdout

    def write_line(self, event: StatusEvent) -> None:
        self.stream.write(render(event, self.settings.tz, self.settings.output_format) + "\n")
        self.stream.flush()


def channels_of(settings: Settings) -> dict[str, ChannelConfig]:
    if not os.path.exists(settings.pages_path):
        return {}
    return {c.name: c for c in load_channels(settings.pages_path)}


@celeryd_init.connect
def _channels_are_valid(**_: Any) -> None:
    """A bad `channels:` section stops the worker at start (SystemExit passes Celery's signal
    dispatch), rather than failing every event after its line is printed."""
    try:
        channels_of(load_settings())
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"statusmon: {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def take_stdout() -> None:
    """Keep fd 1 for status lines only: Celery writes its banner and shutdown notes to
    sys.__stdout__, so fd 1 is pointed at stderr and the lines get a private copy of it."""
    RuntimeTask.stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)


@celeryd_init.connect
def _notifier_takes_stdout(options: dict[str, Any] | None = None, **_: Any) -> None:
    queues = (options or {}).get("queues") or []
    if isinstance(queues, str):
        queues = queues.split(",")
    if keys.NOTIFY_QUEUE in queues:
        take_stdout()
