"""The one owner of the printed format: two lines per event, or one JSON object.

[2025-11-18 12:34:56] Product: OpenAI API - Chat Completions
Status: Investigating - We are investigating degraded performance
"""

from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo

from monitor import status
from monitor.events import StatusEvent
from monitor.surrogates import scrub

_SPACE = re.compile(r"\s+")

PHASE_WORDS = {"in_progress": "In Progress"}


def human(value: str) -> str:
    """'degraded' -> 'Degraded Performance', 'in_progress' -> 'In Progress'."""
    return (
        status.WORDS.get(value)
        or PHASE_WORDS.get(value)
        or value.replace("_", " ").strip().capitalize()
    )


def one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def status_text(event: StatusEvent) -> str:
    if event.kind == "component":
        was = human(event.previous_status) if event.previous_status else None
        return f"{human(event.status)} (was {was})" if was else human(event.status)
    if event.kind == "maintenance":
        head = f"Maintenance {human(event.status)} - {event.incident_name or ''}".rstrip(" -")
        return f"{head}: {one_line(event.body)}" if event.body else head
    if event.kind == "platform":
        return one_line(event.body)
    body = one_line(event.body)
    return f"{human(event.status)} - {body}" if body else human(event.status)


def render_text(event: StatusEvent, tz: ZoneInfo) -> str:
    when = event.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    return f"[{when}] Product: {event.product}\nStatus: {status_text(event)}"


def render_json(event: StatusEvent, tz: ZoneInfo) -> str:
    data = event.to_dict()
    data["occurred_at"] = event.occurred_at.astimezone(tz).isoformat()
    data["status_text"] = status_text(event)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def render(event: StatusEvent, tz: ZoneInfo, fmt: str = "text") -> str:
    """The event's line(s), always encodable as UTF-8 (lone surrogates become U+FFFD)."""
    return scrub(render_json(event, tz) if fmt == "json" else render_text(event, tz))
