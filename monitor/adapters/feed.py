"""Incident history feeds, RSS or Atom (Statuspage `history.atom`, incident.io `feed.atom`, …).

- Endpoint: the page URL itself when it has a path (`https://www.githubstatus.com/history.atom`),
  else `<page>/history.atom` (the Statuspage and incident.io name). Parsed with feedparser.
- One entry = one incident, id = the entry's id/guid (Statuspage: `tag:<host>,2005:Incident/<n>`,
  not the API id; the `link` carries that), derived from its data when it has none
  (monitor/adapters/feeditems.py). Closed incidents stay listed (25 on Statuspage).
- Updates: a Statuspage entry's escaped HTML holds one `<p>` per update, newest first:
  `<small>Aug <var>20</var>, <var>20:37</var> UTC</small><br><strong>Update</strong> - body`.
  The year is the entry's (`updated`/`published`), a year less for a date that would be more
  than two days after it (December updates of an incident resolved in January). Update ids are
  `<entry id>:<time>:<label>` (`#2`, … on a same-minute repeat); "Update" keeps the phase before
  it. The stamp is to the minute: the newest update takes `<updated>`'s second when it is in
  that minute (its id keeps the minute). Other markup (incident.io: `<b>Status: Resolved</b>
  <br/>…`) is one update per entry, keyed `<entry id>:<entry updated>`, its phase from
  `Status: <phase>` when present, else from a state the title carries (AWS's legacy RSS,
  Volcengine: feeditems.py; then `:<phase>` ends the key).
- Components: none (feeds carry no component state) — use the JSON API beside the feed.
- Webhooks: none. Conditional GET: ETag/Last-Modified when sent (feeds usually send them).
- Dedup key: (page, entry id, synthesized update id). An edit that bumps `<updated>` without a
  new `<p>` changes nothing on Statuspage feeds; on single-update feeds it is a new update.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import feedparser

from monitor.adapters.base import Getter
from monitor.adapters.endpoints import what_is_body
from monitor.adapters.feeditems import entry_id as entry_id_of
from monitor.adapters.feeditems import parsed_time, title_state
from monitor.adapters.statuspage import gone
from monitor.errors import ParseError
from monitor.model import Incident, Snapshot, Update
from monitor.pages import PageConfig
from monitor.status import UNKNOWN

LABELS: dict[str, str | None] = {
    "investigating": "investigating",
    "identified": "identified",
    "update": None,  # no change of phase
    "monitoring": "monitoring",
    "resolved": "resolved",
    "postmortem": "postmortem",
    "scheduled": "scheduled",
    "in progress": "in_progress",
    "verifying": "verifying",
    "completed": "completed",
}
MAINTENANCE = frozenset({"scheduled", "in_progress", "verifying", "completed"})
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PARA = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S | re.I)
_STAMP = re.compile(r"<small\b[^>]*>(.*?)</small>", re.S | re.I)
_LABEL = re.compile(r"<strong\b[^>]*>(.*?)</strong>\s*[-–]?\s*(.*)", re.S | re.I)
_DATE = re.compile(r"\b([A-Z][a-z]{2})\s+(\d{1,2}),\s*(\d{1,2}):(\d{2})\b")
_STATUS = re.compile(r"^\s*Status:\s*([A-Za-z][A-Za-z ]*?)\s*$", re.M)
_BREAK = re.compile(r"<br\s*/?>|</?(?:p|ul|ol|li|div|h\d)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")


class FeedAdapter:
    name = "feed"

    def summary_url(self, page: PageConfig) -> str:
        return (
            page.url
            if urlsplit(page.url).path not in ("", "/")
            else f"{page.base_url}/history.atom"
        )

    def parse(self, body: bytes, page: PageConfig) -> Snapshot:
        parsed = feedparser.parse(body)
        if not parsed.get("version"):
            problem = parsed.get("bozo_exception")
            known = what_is_body(body)
            raise ParseError(
                f"feed: not an RSS/Atom feed{f': {known}' if known else ''}"
                f"{f' ({problem})' if problem and not known else ''}"
            )
        incidents: dict[str, Incident] = {}
        for i, entry in enumerate(parsed.entries):
            incident = _entry(entry, f"feed.entries[{i}]")
            listed = incidents.get(incident.id)  # the same id twice: the latest item wins
            if listed is None or incident.updates[-1].at > listed.updates[-1].at:
                incidents[incident.id] = incident
        return Snapshot(page_name=page.name, incidents=incidents)

    def resolve(
        self, page: PageConfig, missing: list[str], get: Getter, now: datetime
    ) -> dict[str, Incident]:
        # Closed incidents stay in the feed a while: an open one that fell off is not followed.
        return {incident_id: gone(incident_id, now) for incident_id in missing}

    def parse_webhook(self, payload: dict[str, Any], page: PageConfig) -> Snapshot:
        raise ParseError("RSS/Atom feeds send no webhooks; poll the feed instead")


def _entry(entry: Any, where: str) -> Incident:
    entry_id = entry_id_of(entry)
    if entry_id is None:
        raise ParseError(f"{where}: no id/guid, and no link or title to key it by")
    # dict.get: FeedParserDict.get("updated…") falls back to "published…" with a warning
    published = parsed_time(dict.get(entry, "published_parsed"))
    stamp = parsed_time(dict.get(entry, "updated_parsed")) or published
    if stamp is None:
        raise ParseError(f"{where}: neither <updated> nor <published> is a date")
    reference = max(stamp, published or stamp)
    contents = entry.get("content") or []
    markup = contents[0].get("value") if contents else entry.get("summary")
    markup = markup if isinstance(markup, str) else ""
    updates = _logged(entry_id, markup, reference)
    if updates and updates[-1].at == stamp.replace(second=0, microsecond=0):
        updates[-1] = replace(updates[-1], at=stamp)  # <updated> has its second; same id
    title, link = entry.get("title"), entry.get("link")
    name, marked = title_state(title) if isinstance(title, str) else ("", None)
    if not updates:
        updates = [_single(entry_id, markup, stamp, marked)]
    return Incident(
        id=entry_id,
        name=name or entry_id,
        status=updates[-1].status,
        updates=tuple(updates),
        is_maintenance=any(u.status in MAINTENANCE for u in updates),
        url=link if isinstance(link, str) else None,
    )


def _logged(entry_id: str, markup: str, reference: datetime) -> list[Update]:
    """Statuspage's one `<p>` per update, newest first in the feed, oldest first here."""
    found: list[tuple[datetime, str, str]] = []
    for para in _PARA.findall(markup):
        small, strong = _STAMP.search(para), _LABEL.search(para)
        date = _DATE.search(plain(small[1])) if small else None
        at = _dated(date, reference) if date else None
        if at is not None and strong is not None:
            found.append((at, plain(strong[1]), plain(strong[2])))
    found.reverse()
    found.sort(key=lambda f: f[0])  # stable: same-minute updates keep the feed's order
    updates: list[Update] = []
    phase = UNKNOWN
    repeats: dict[str, int] = {}
    for at, label, body in found:
        mapped = LABELS.get(label.lower(), UNKNOWN)
        phase = phase if mapped is None else mapped
        key = f"{entry_id}:{at.isoformat()}:{label.lower()}"
        repeats[key] = repeats.get(key, 0) + 1
        updates.append(
            Update(key if repeats[key] == 1 else f"{key}#{repeats[key]}", phase, body, at)
        )
    return updates


def _single(entry_id: str, markup: str, stamp: datetime, marked: str | None) -> Update:
    """The entry is its one update; a phase in the title (AWS, Volcengine) keys it too, so
    an item whose title alone turns "resolved" is a new update."""
    body = plain(markup)
    status = _STATUS.search(body)
    phase = (LABELS.get(status[1].lower()) or UNKNOWN) if status else UNKNOWN
    if status:
        body = (body[: status.start()] + body[status.end() :]).strip()
    if marked is not None and (phase == UNKNOWN or marked == "resolved"):
        key = f"{entry_id}:{stamp.isoformat()}:{marked}"
        return Update(key, marked, body, stamp)
    return Update(f"{entry_id}:{stamp.isoformat()}", phase, body, stamp)


def _dated(date: re.Match[str], reference: datetime) -> datetime | None:
    if date[1] not in MONTHS:
        return None
    month, day, hour, minute = MONTHS.index(date[1]) + 1, int(date[2]), int(date[3]), int(date[4])
    for year in (reference.year, reference.year - 1):
        try:
            at = datetime(year, month, day, hour, minute, tzinfo=UTC)
        except ValueError:  # Feb 29 of a common year, hour 24, …
            continue
        if at <= reference + timedelta(days=2):
            return at
    return None


def plain(markup: str) -> str:
    """Text of an HTML fragment: tags dropped, entities decoded, one line per block."""
    text = html.unescape(_TAG.sub("", _BREAK.sub("\n", markup)))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


ADAPTER = FeedAdapter()
