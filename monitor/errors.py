"""The one error model for a poll that failed: transient or permanent, carried as data.

Decided where the failure happens (fetch: by the HTTP answer; an adapter: by the body; probe:
by what every platform answered), handled in one place (monitor.poll): a transient failure backs
its host off and is retried when the back-off ends; a permanent one is logged and waits for
the page's next poll.
"""

from __future__ import annotations


class PollError(Exception):
    """`transient`: the same request may succeed soon (a timeout, a 5xx, a 429, a challenge
    page); `retry_after`: seconds the server asked for, if it did."""

    def __init__(self, message: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after

    def headline(self) -> str:
        """What a person reads in the log line."""
        return str(self)


class FetchError(PollError):
    """No usable HTTP answer. `status`: the HTTP status, None when no answer came at all."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, transient=transient, retry_after=retry_after)
        self.status = status

    def headline(self) -> str:
        return f"fetch failed ({self})"


class ParseError(PollError, ValueError):
    """A body that is not the shape its adapter knows: no events. Transient by default (a CDN
    challenge or a cut-off body is a server having trouble); permanent where the adapter or
    the probe knows asking again will not help."""

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message, transient=transient)

    def headline(self) -> str:
        return f"unreadable response, no events: {self}"
