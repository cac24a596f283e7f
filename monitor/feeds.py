"""Atom feeds (RFC 4287) of the event log: every printed change, or one page's, newest first.

Each entry is one printed event: its title the product and status as the console prints them,
its id the event's dedup key (stable: a feed reader never sees one change twice), its link the
vendor's incident page when there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from monitor.board import web_url
from monitor.eventlog import Entry
from monitor.output import status_text
from monitor.surrogates import scrub

ATOM = "http://www.w3.org/2005/Atom"


def atom(entries: Sequence[Entry], title: str, feed_id: str, self_url: str, alt_url: str) -> bytes:
    """`entries` newest first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", title)
    _text(feed, "id", feed_id)
    updated = entries[0].printed_at if entries else datetime(1970, 1, 1, tzinfo=UTC)
    _text(feed, "updated", _iso(updated))
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "statusmon")
    _link(feed, self_url, "self")
    _link(feed, alt_url, "alternate")
    for entry in entries:
        event = entry.event
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(item, "title", f"{event.product}: {status_text(event)}")
        _text(item, "id", f"urn:statusmon:event:{event.dedup_key}")
        _text(item, "updated", _iso(entry.printed_at))
        _text(item, "published", _iso(event.occurred_at))
        if event.url and web_url(event.url):
            _link(item, event.url, "alternate")
        _text(item, "summary", event.body or status_text(event))
        category = ET.SubElement(item, f"{{{ATOM}}}category")
        category.set("term", event.page_id)
        category.set("label", event.page_name)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = _xml_safe(value)


def _link(parent: ET.Element, href: str, rel: str) -> None:
    link = ET.SubElement(parent, f"{{{ATOM}}}link")
    link.set("href", href)
    link.set("rel", rel)


def _xml_safe(value: str) -> str:
    """Characters XML 1.0 cannot carry (controls, lone surrogates) dropped."""
    return "".join(
        ch
        for ch in scrub(value)
        if ch in "\t\n\r" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff")
    )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
