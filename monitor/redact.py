"""Secrets out of log lines: a logging filter (the last on each handler, monitor.logs) that
rewrites each record in place before it is formatted, hiding the values of secret-named
environment variables (…SECRET, …TOKEN, …PASSWORD, …KEY, FLOWER_BASIC_AUTH), passwords in URLs
and Authorization-like values, in the message, the exception and stack text and every extra
field; and the values a process registers with `redact_also` (the web app: every webhook
secret and path token of pages.yaml, whatever variable or file they came from).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

REDACTED = "***"
SECRET_NAME = re.compile(
    r"SECRET|TOKEN|PASSW|API_?KEY|PRIVATE_?KEY|BASIC_AUTH|BOARD_?AUTH|CREDENTIAL"
    r"|WEBHOOK_?URL|WORKFLOW_?URL|ROUTING_?KEY|APPRISE_?URL",  # channels' secrets (pages.yaml)
    re.I,
)
MIN_SECRET = 4  # shorter values would redact ordinary words
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_AUTH = re.compile(  # Authorization: Bearer x / 'authorization': 'Basic x' / X-Api-Key=x
    r"(?i)\b((?:proxy-)?authorization|x-[a-z0-9-]*(?:token|key|signature)[a-z0-9-]*|api[_-]?key)"
    r"(['\"]?\s*[:=]\s*['\"]?)(?:(bearer|basic|token|digest)\s+)?[^\s'\",;}]+"
)
_SCHEME = re.compile(r"(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}")
_URL_PASSWORD = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@")
_registered: list[str] = []  # redact_also: hidden by every RedactFilter of this process


def _auth(m: re.Match[str]) -> str:
    scheme = m.group(3)
    return m.group(1) + m.group(2) + (scheme + " " if scheme else "") + REDACTED


def secrets_in(env: Mapping[str, str]) -> list[str]:
    """Values to hide: secret-named variables (and each password of user:password pairs),
    and the password of any URL-valued variable (REDIS_URL=redis://:pw@host)."""
    found: set[str] = set()
    for name, value in env.items():
        if SECRET_NAME.search(name):
            found.add(value)
            found.update(pair.partition(":")[2] for pair in value.split(","))
        elif "://" in value:
            try:
                found.add(urlsplit(value).password or "")
            except ValueError:
                continue
    return sorted((s for s in found if len(s) >= MIN_SECRET), key=len, reverse=True)


def redact_also(values: Iterable[str]) -> None:
    """Hide these values too, from now on, in every line this process logs."""
    merged = set(_registered) | {v for v in values if len(v) >= MIN_SECRET}
    _registered[:] = sorted(merged, key=len, reverse=True)


class RedactFilter(logging.Filter):
    """Rewrites each record in place: message, string extras, exception and stack text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def redact(self, text: str) -> str:
        for secret in (*self.secrets, *_registered):
            text = text.replace(secret, REDACTED)
        text = _AUTH.sub(_auth, text)
        text = _SCHEME.sub(r"\1 " + REDACTED, text)
        return _URL_PASSWORD.sub(r"\1" + REDACTED + "@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in extras(record).items():
            setattr(record, key, self._deep(value))
        return True

    def _deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, Mapping):
            return {k: self._deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._deep(v) for v in value]
        return value


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """What the caller passed in `extra=` (page_id, task_id, Celery's `data`, …): redacted
    here, and printed as fields of a JSON line by monitor.logs."""
    return {k: v for k, v in vars(record).items() if k not in _RESERVED}
