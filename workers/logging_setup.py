"""Celery's own logs through monitor.logs (stderr, LOG_FORMAT text/JSON, secrets redacted).

Connecting to `setup_logging` makes Celery skip its own logging configuration in the worker,
the notifier and beat. Each line logged inside a task also carries `task_id`, `task` and, for
poll and notify tasks, the `page_id`; so do Celery's "received" / "succeeded" lines.

stdout is the notifier's status stream, so nothing else goes there: Celery's "worker: Warm
shutdown (MainProcess)" (which it prints to stdout) becomes an INFO log line, and kombu's routine
"Requeuing undeliverable message" at a consumer's stop an INFO line too (LOG_LEVEL=WARNING keeps
stderr to real warnings).
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Mapping
from typing import Any

from celery import current_task
from celery.apps.worker import install_worker_term_handler, install_worker_term_hard_handler
from celery.signals import celeryd_init, worker_shutting_down
from celery.signals import setup_logging as celery_setup_logging

from monitor.logs import setup_logging
from monitor.settings import load_settings


class TaskContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        task = current_task
        request = getattr(task, "request", None) if task else None
        if request is not None and request.id:
            record.__dict__.setdefault("task_id", request.id)
            record.__dict__.setdefault("task", task.name)
            _set_page(record, page_of(request.args))
        data = record.__dict__.get("data")
        if isinstance(data, Mapping) and isinstance(data.get("args"), str):
            _set_page(record, page_of(_literal(data["args"])))
        return True


class QuietTick(logging.Filter):
    """Beat's tick runs every second: its routine INFO lines ("Sending due task tick", "Task
    statusmon.tick[…] received/succeeded") are dropped unless LOG_LEVEL is DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or "statusmon.tick" not in record.getMessage()


class RoutineRequeue(logging.Filter):
    """kombu's "Requeuing undeliverable message for queue …: No consumers." is logged at WARNING
    when a message reaches a consumer that is stopping: the message goes back to its queue and
    nothing is lost, so it is an INFO line (dropped when the logger's level is above INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("kombu") and str(record.msg).startswith(
            "Requeuing undeliverable message"
        ):
            record.levelno, record.levelname = logging.INFO, "INFO"
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True


def page_of(args: Any) -> str | None:
    """The page a task is about: poll's arg is the page id, notify's is an event dict (whose
    argsrepr is `(page_id, dedup_key)`)."""
    if not isinstance(args, list | tuple) or not args:
        return None
    first = args[0]
    if isinstance(first, Mapping):
        first = first.get("page_id")
    return first if isinstance(first, str) else None


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _set_page(record: logging.LogRecord, page_id: str | None) -> None:
    if page_id is not None:
        record.__dict__.setdefault("page_id", page_id)


@celery_setup_logging.connect
def _use_statusmon_logging(loglevel: int | str | None = None, **_: Any) -> None:
    use_statusmon_logging(loglevel)


def use_statusmon_logging(loglevel: int | str | None) -> None:
    """Our format for every process; the tick's routine lines only at DEBUG."""
    settings = load_settings()
    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
    level = str(level or settings.log_level).upper()
    quiet = [] if level == "DEBUG" else [QuietTick()]
    setup_logging(level, settings.log_format, filters=[TaskContext(), RoutineRequeue(), *quiet])


@celeryd_init.connect
def _shutdown_without_printing(instance: Any = None, **_: Any) -> None:
    """Celery's SIGTERM/SIGQUIT handlers print "worker: Warm shutdown (MainProcess)" to stdout:
    this worker installs them without the print, right after its own (`_log_shutdown` logs
    the line instead). Set at init, so no signal can arrive between the two."""
    if instance is None:
        return
    tweaks = instance.install_platform_tweaks

    def install_quietly(worker: Any) -> None:
        tweaks(worker)
        install_worker_term_handler(worker, verbose=False)
        install_worker_term_hard_handler(worker, verbose=False)

    instance.install_platform_tweaks = install_quietly


@worker_shutting_down.connect
def _log_shutdown(sig: str = "", how: str = "", **_: Any) -> None:
    logging.getLogger("celery.worker").info("worker: %s shutdown (MainProcess) on %s", how, sig)
