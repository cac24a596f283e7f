"""What a feed item's own fields say: its stable id, and the state some feeds put in the title.

- Id: the item's `<id>`/`<guid>`. RSS makes `<guid>` optional, and some feeds give every item
  the page's home `<link>` (status.volcengine.com): an item without a guid is keyed by its
  link, its `<pubDate>` and its title stripped of the state marks below (a title that gains
  "(已恢复)" on recovery keeps its id). Data only: never `hash()`, never the payload's bytes.
- State in the title, where a feed keeps it nowhere else:
  - AWS's legacy status RSS (`status.aws.amazon.com/rss/*.rss`) prefixes every title with the
    dashboard's state: "Service is operating normally: " (over), "Informational message: ",
    "Performance issues: ", "Service disruption: " (open); a closed event's title also
    starts "[RESOLVED] ".
  - Volcengine's status RSS appends "(已恢复)" ("recovered") to a recovered incident's title.
  The marks are dropped from the incident's name.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

_AWS_STATES = {
    "service is operating normally": "resolved",
    "informational message": "investigating",
    "performance issues": "investigating",
    "service disruption": "investigating",
}
_AWS = re.compile(r"^\s*(" + "|".join(_AWS_STATES) + r")\s*:\s*", re.I)
_RESOLVED = re.compile(r"^\s*\[resolved\]\s*", re.I)
_RECOVERED = re.compile(r"\s*[(（]已恢复[)）]\s*$")


def title_state(title: str) -> tuple[str, str | None]:
    """(the title without its state marks, the phase they state or None)."""
    phase: str | None = None
    aws = _AWS.match(title)
    if aws:
        phase = _AWS_STATES[aws[1].lower()]
        title = title[aws.end() :]
    resolved = _RESOLVED.match(title)
    if resolved:
        phase, title = "resolved", title[resolved.end() :]
    recovered = _RECOVERED.search(title)
    if recovered:
        phase, title = "resolved", title[: recovered.start()]
    return title.strip(), phase


def entry_id(entry: Any) -> str | None:
    """The item's id/guid, else one derived from its link, publication time and title."""
    given = entry.get("id")
    if isinstance(given, str) and given.strip():
        return given
    link, title = entry.get("link"), entry.get("title")
    published = parsed_time(dict.get(entry, "published_parsed"))
    parts = [
        link if isinstance(link, str) else "",
        published.isoformat() if published else "",
        title_state(title)[0] if isinstance(title, str) else "",
    ]
    return " ".join(p for p in parts if p) or None


def parsed_time(value: Any) -> datetime | None:
    """A feedparser time (a UTC struct_time) as an aware datetime."""
    if not isinstance(value, time.struct_time):
        return None
    return datetime(*value[:6], tzinfo=UTC)
