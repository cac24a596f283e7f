"""What every channel type shares: the message it is given, the answer it reports, the protocol.

A channel type is a module with `DEFAULT_RATE` (messages per second its service allows) and
`parse(raw, env, problems) -> Sender`: it reads its fields of a `channels:` entry (secrets only
from `$NAME` or `$NAME_FILE`, via `secret`), and the Sender sends one message within a deadline.
A Sender holds its secrets in fields that repr and logs never show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from monitor import status
from monitor.events import StatusEvent
from monitor.output import human, render_text, status_text
from monitor.secrets import env_secret

TEST_MARK = "[statusmon test] "
# Colours by severity (the one status order), for the channels that colour a message.
COLOURS = {
    status.OPERATIONAL: 0x2EB67D,
    status.MAINTENANCE: 0x3B82F6,
    status.UNKNOWN: 0x9CA3AF,
    status.DEGRADED: 0xECB22E,
    status.PARTIAL_OUTAGE: 0xF97316,
    status.MAJOR_OUTAGE: 0xE01E5A,
}


@dataclass(frozen=True)
class Message:
    """One event as a channel renders it."""

    event: StatusEvent
    severity: str  # a status (monitor.status): what the event means now, for colour and paging
    tz: ZoneInfo
    test: bool = False  # `statusmon channels test`: marked as a test everywhere it shows

    @property
    def lines(self) -> tuple[str, str]:
        """The two printed lines (the test mark on the first)."""
        first, second = render_text(self.event, self.tz).split("\n", 1)
        return (TEST_MARK + first if self.test else first), second

    @property
    def title(self) -> str:
        return (TEST_MARK if self.test else "") + self.event.product

    @property
    def status_words(self) -> str:
        return human(self.event.status)

    @property
    def text(self) -> str:
        return status_text(self.event)

    @property
    def colour(self) -> int:
        return COLOURS.get(self.severity, COLOURS[status.UNKNOWN])


@dataclass(frozen=True)
class Answer:
    """What the receiver said. `retryable`: worth another attempt (5xx, 408, 429, a timeout, a
    refused connection); else the failure is permanent (a 4xx: the request itself is wrong)."""

    ok: bool
    detail: str  # short and secret-free: "HTTP 200", "timeout after 10 s"
    retryable: bool = False
    retry_after: float | None = None  # seconds the receiver asked us to wait
    status: int | None = None

    @classmethod
    def from_http(cls, code: int, retry_after: float | None, body: str = "") -> Answer:
        detail = f"HTTP {code}" + (f": {body[:200]}" if body and not 200 <= code < 300 else "")
        if 200 <= code < 300:
            return cls(True, detail, status=code)
        retryable = code >= 500 or code in (408, 429)
        return cls(False, detail, retryable, retry_after, code)


class Sender(Protocol):
    def send(self, message: Message, deadline: float) -> Answer:
        """Send within `deadline` seconds in all; never raises for a receiver's failure."""
        ...

    def wants(self, event: StatusEvent) -> bool:
        """Whether this type sends such an event at all (PagerDuty: openings, recoveries)."""
        ...


class AnyEvent:
    """A channel type that sends every event its routing lets through."""

    def wants(self, event: StatusEvent) -> bool:
        return True


class Problems:
    """Problems of one channel entry, each naming its field."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rendered: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.rendered.append(f"channel {self.name!r}: field {field!r}: {message}")


def secret(raw: Mapping[str, Any], field: str, env: Mapping[str, str], p: Problems) -> str:
    """A secret named by `<field>_env: NAME`: $NAME, or the file named by $NAME_FILE."""
    key = f"{field}_env"
    name = raw.get(key)
    if not isinstance(name, str) or not name.strip():
        p.add(key, "required: the name of the environment variable holding it")
        return ""
    value, problem = env_secret(name.strip(), env)
    if problem:
        p.add(key, problem)
    return value or ""


def text(raw: Mapping[str, Any], field: str, p: Problems, default: str | None = None) -> str:
    value = raw.get(field, default)
    if not isinstance(value, str) or not value.strip():
        p.add(field, "required, a non-empty string")
        return ""
    return value.strip()


def http_url(value: str, field: str, p: Problems) -> str:
    if value and not value.startswith(("http://", "https://")):
        p.add(field, "must be an http(s) URL")  # never echoed: it may carry a token
    return value
