"""`/history.atom` in the shape of GitHub's real feed (github-history-2026-08-22.atom): one
entry per incident, newest first, `<content type="html">` with one `<p>` per update."""

from __future__ import annotations

import time
from urllib.parse import urlparse
from xml.sax.saxutils import escape, quoteattr

from monitor.simulate.model import PageModel, SimIncident

WORDS = {"in_progress": "In progress"}


def _stamp(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def _paragraph(status: str, body: str, at: float) -> str:
    t = time.gmtime(at)
    day, clock = time.strftime("%b", t), time.strftime("%H:%M", t)
    return (
        f"<p> <small>{day} <var data-var='date'>{t.tm_mday}</var>, "
        f"<var data-var='time'>{clock}</var> UTC</small><br> "
        f"<strong>{status}</strong> - {escape(body)} </p>"
    )


def _content(inc: SimIncident) -> str:
    rows, previous = [], None
    for u in inc.updates:
        word = "Update" if u.status == previous else WORDS.get(u.status, u.status.capitalize())
        rows.append(_paragraph(word, u.body, u.at))
        previous = u.status
    return " ".join(reversed(rows))


def _entry(inc: SimIncident, host: str, base: str) -> str:
    number = int(inc.id.encode().hex(), 16) % 100_000_000
    link = f"{base}/incidents/{inc.id}"
    return (
        "  <entry>\n"
        f"    <id>tag:{host},2005:Incident/{number}</id>\n"
        f"    <published>{_stamp(inc.created_at)}</published>\n"
        f"    <updated>{_stamp(inc.updated_at)}</updated>\n"
        f'    <link rel="alternate" type="text/html" href={quoteattr(link)}/>\n'
        f"    <title>{escape(inc.name)}</title>\n"
        f'    <content type="html">{escape(_content(inc))}</content>\n'
        "  </entry>\n"
    )


def history_atom(model: PageModel, name: str, base: str) -> bytes:
    host, feed = urlparse(base).netloc, base + "/history.atom"
    incidents = sorted(model.incidents.values(), key=lambda i: i.updated_at, reverse=True)[:25]
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>tag:{host},2005:/history</id>\n"
        f'  <link rel="alternate" type="text/html" href={quoteattr(base)}/>\n'
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(feed)}/>\n'
        f"  <title>{escape(name)} Status - Incident History</title>\n"
        f"  <updated>{_stamp(model.updated_at)}</updated>\n"
        f"  <author>\n    <name>{escape(name)}</name>\n  </author>\n"
    )
    entries = "".join(_entry(i, host, base) for i in incidents)
    return (head + entries + "</feed>\n").encode("utf-8")
