"""The board's incident-first header, in words: what is not operational right now, worst first.

"OpenAI — Chat Completions: Partial Outage, Investigating since 12:34, 18 min" for an open
incident (linked to the vendor's incident page), "GitHub — Actions: Degraded Performance" for
components in trouble that no open incident names, "Example: not reachable since 09:10" for
a page failing too long; "All 12 services operational" only when nothing is wrong and
statusmon itself is healthy (else its problems are said instead, monitor.board).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from monitor import status
from monitor.boardmodel import Board, IncidentView, PageView
from monitor.output import human

SCHEDULED = "scheduled"


@dataclass(frozen=True)
class Headline:
    text: str
    status: str
    url: str | None = None


def duration(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def since(at: datetime, tz: ZoneInfo, now: float) -> str:
    local, today = at.astimezone(tz), datetime.fromtimestamp(now, tz).date()
    clock = local.strftime("%H:%M") if local.date() == today else local.strftime("%b %d %H:%M")
    return f"since {clock}, {duration(now - at.timestamp())}"


def incident_line(page: PageView, inc: IncidentView, tz: ZoneInfo, now: float) -> str:
    what = ", ".join(inc.components) or inc.name
    text = f"{page.name} — {what}: {human(inc.status)}, {human(inc.phase)}"
    return f"{text} {since(inc.started_at, tz, now)}" if inc.started_at else text


def page_lines(page: PageView, tz: ZoneInfo, now: float) -> list[Headline]:
    if page.unreachable and page.failing_since is not None:
        at = datetime.fromtimestamp(page.failing_since, UTC)
        return [Headline(f"{page.name}: not reachable {since(at, tz, now)}", status.UNKNOWN)]
    lines = [
        Headline(incident_line(page, inc, tz, now), inc.status, inc.url)
        for inc in page.incidents
        if inc.phase != SCHEDULED
    ]
    covered = {c for inc in page.incidents for c in inc.component_ids}
    hurt = [c for c in page.components if c.status != status.OPERATIONAL and c.id not in covered]
    if hurt:
        worst = status.worst([c.status for c in hurt])
        names = ", ".join(c.name for c in hurt[:4]) + (
            f" +{len(hurt) - 4}" if len(hurt) > 4 else ""
        )
        lines.append(Headline(f"{page.name} — {names}: {human(worst)}", worst, page.url))
    return lines


def headlines(board: Board, tz: ZoneInfo) -> list[Headline]:
    """What the header says, worst first; empty when all is operational."""
    found: list[Headline] = []
    waiting = [p for p in board.trouble if not_polled_yet(p)]
    for page in board.trouble:
        if page not in waiting:
            found.extend(page_lines(page, tz, board.at))
    if waiting:
        names = ", ".join(p.name for p in waiting[:3]) + (" …" if len(waiting) > 3 else "")
        found.append(Headline(f"{len(waiting)} not polled yet: {names}", status.UNKNOWN))
    found.sort(key=lambda h: -status.rank(h.status))
    return found


def not_polled_yet(page: PageView) -> bool:
    """No state yet: the first poll has not come back (nor failed for long)."""
    return page.status == status.UNKNOWN and not page.unreachable and not page.components


def all_clear(board: Board, lines: list[Headline]) -> str | None:
    """ "All N services operational", only when it is true and statusmon is healthy."""
    if board.problems or lines or any(p.status != status.OPERATIONAL for p in board.pages):
        return None
    n = len(board.pages)
    return f"All {n} service{'s' if n != 1 else ''} operational"
