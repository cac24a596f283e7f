"""What every platform adapter is (protocols), and the helpers that call the optional parts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, cast
from urllib.parse import quote

from monitor.model import Incident, Snapshot
from monitor.pages import PageConfig

# get(url) -> body bytes, or None when the server says the resource does not exist (404/410);
# raises monitor.errors.FetchError on anything transient.
Getter = Callable[[str], bytes | None]


class Adapter(Protocol):
    name: str

    def summary_url(self, page: PageConfig) -> str: ...

    def parse(self, body: bytes, page: PageConfig) -> Snapshot: ...

    def resolve(
        self, page: PageConfig, missing: list[str], get: Getter, now: datetime
    ) -> dict[str, Incident]:
        """The final state of open incidents that left the summary (resolved, completed)."""
        ...

    def parse_webhook(self, payload: dict[str, Any], page: PageConfig) -> Snapshot:
        """A partial snapshot from a pushed payload; ParseError if the shape is unknown."""
        ...


class MultiUrlAdapter(Adapter, Protocol):
    """A platform whose state is spread over several URLs (Instatus: components + summary)."""

    def extra_urls(self, page: PageConfig) -> list[str]: ...

    def parse_many(self, bodies: Mapping[str, bytes], page: PageConfig) -> Snapshot: ...


class HistoryAdapter(Adapter, Protocol):
    """A platform whose history lists incidents the summary never showed (Statuspage)."""

    def recent(self, page: PageConfig, get: Getter, since: datetime) -> dict[str, Incident]:
        """Incidents first published at or after `since`, open or closed."""
        ...

    def history_urls(self, page: PageConfig) -> list[str]:
        """The URLs `recent` reads (monitor.backfill reads them side by side)."""
        ...


def recent_incidents(
    adapter: Adapter, page: PageConfig, get: Getter, since: datetime
) -> dict[str, Incident]:
    recent = getattr(adapter, "recent", None)
    return cast(HistoryAdapter, adapter).recent(page, get, since) if recent is not None else {}


def history_urls(adapter: Adapter, page: PageConfig) -> list[str]:
    more = getattr(adapter, "history_urls", None)
    return list(more(page)) if more is not None else []


def extra_urls(adapter: Adapter, page: PageConfig) -> list[str]:
    more = getattr(adapter, "extra_urls", None)
    return list(more(page)) if more is not None else []


def path_segment(value: str) -> str | None:
    """An id from a payload as one URL path segment, every reserved character escaped
    (`../admin?x=` stays inside the segment); None for an id no segment can carry ("", ".",
    ".."; dot segments are removed from a URL before it is sent): treat it as not found."""
    if value.strip(".") == "":
        return None
    return quote(value, safe="")
