"""Logging on stderr (stdout is the status stream), for every process: the CLI, Celery (through
workers/logging_setup.py), gunicorn (monitor/web/weblog.py).

LOG_FORMAT=json: one JSON object per line, with a record's extras (`page_id`, task ids) as
fields; otherwise readable text. LOG_LEVEL sets the level. The handler's last filter redacts
secrets from every line (monitor.redact).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from monitor.redact import RedactFilter, extras, secrets_in

FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        data.update(extras(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exc"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return json.dumps(data, default=str, ensure_ascii=False)


def make_handler(
    fmt: str = "text",
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
    filters: Sequence[logging.Filter] = (),
) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    elif fmt == "plain":  # sentences for people (monitor.cli.console.for_people)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for extra_filter in filters:
        handler.addFilter(extra_filter)
    handler.addFilter(RedactFilter(secrets_in(os.environ if env is None else env)))  # last
    return handler


def setup_logging(
    level: str | int, fmt: str = "text", filters: Sequence[logging.Filter] = ()
) -> None:
    """The root logger writes to stderr only, through one handler; safe to call again. `level`
    and `fmt` come from monitor.settings (LOG_LEVEL, LOG_FORMAT), read by the caller."""
    root = logging.getLogger()
    root.handlers[:] = [make_handler(fmt, filters=filters)]
    root.setLevel(level)
