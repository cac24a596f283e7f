"""RSS/Atom feeds: GitHub's real history.atom (25 entries), then written Statuspage, incident.io
and plain entries for the shapes the capture lacks."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

import pytest

from monitor.adapters import get_adapter
from monitor.adapters.feed import ADAPTER, plain
from monitor.detect import diff
from monitor.errors import ParseError
from monitor.model import Snapshot
from monitor.pages import PageConfig
from tests.paths import FIXTURES

PAGE = PageConfig(
    id="github", name="GitHub", url="https://www.githubstatus.com/history.atom", kind="feed"
)
CAPTURE = FIXTURES / "statuspage" / "github-history-2026-08-22.atom"
TAG = "tag:www.githubstatus.com,2005:Incident/"
NOW = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def github() -> Snapshot:
    return ADAPTER.parse(CAPTURE.read_bytes(), PAGE)


def para(month_day: str, hhmm: str, label: str, body: str) -> str:
    month, day = month_day.split()
    return (
        f"<p> <small>{month} <var data-var='date'>{day}</var>, <var data-var='time'>{hhmm}</var>"
        f" UTC</small><br> <strong>{label}</strong> - {body} </p>"
    )


def atom(*entries: tuple[str, str, str, str]) -> bytes:
    """A Statuspage-style Atom feed of (numeric id, updated, title, html content) entries."""
    items = "".join(
        f"<entry><id>{TAG}{n}</id><published>{updated}</published><updated>{updated}</updated>"
        f'<link rel="alternate" type="text/html" href="https://www.githubstatus.com/incidents/i{n}"/>'
        f'<title>{title}</title><content type="html">{escape(html)}</content></entry>'
        for n, updated, title, html in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">'
        f"<id>tag:www.githubstatus.com,2005:/history</id><title>GitHub Status</title>{items}</feed>"
    ).encode()


OPEN = para("Sep 4", "10:00", "Investigating", "We are investigating reports of degraded Actions.")


def test_the_adapter_is_registered_and_polls_the_feed_url() -> None:
    assert get_adapter("feed") is ADAPTER
    assert ADAPTER.summary_url(PAGE) == "https://www.githubstatus.com/history.atom"
    bare = PageConfig(id="gh", name="GitHub", url="https://www.githubstatus.com/", kind="feed")
    assert ADAPTER.summary_url(bare) == "https://www.githubstatus.com/history.atom"


def test_the_github_capture_is_25_resolved_incidents_and_no_components() -> None:
    snap = github()
    assert (len(snap.incidents), snap.components) == (25, {})
    assert next(iter(snap.incidents)) == f"{TAG}31233568"
    assert {i.status for i in snap.incidents.values()} == {"resolved"}
    assert not any(i.is_maintenance for i in snap.incidents.values())
    assert sum(len(i.updates) for i in snap.incidents.values()) == 178


def test_an_entrys_paragraphs_become_its_updates_oldest_first() -> None:
    incident = github().incidents[f"{TAG}31233568"]
    assert incident.name == "Intermittent failures creating agent tasks"
    assert incident.url == "https://www.githubstatus.com/incidents/bhbcjn4n3jzp"
    assert len(incident.updates) == 12
    first, last = incident.updates[0], incident.updates[-1]
    assert (first.id, first.status, first.at) == (
        f"{TAG}31233568:2026-08-20T14:43:00+00:00:investigating",
        "investigating",
        at("2026-08-20T14:43:00+00:00"),
    )
    assert (
        first.body
        == "We are investigating reports of impacted performance for some GitHub services."
    )
    # the newest update is stamped "00:37"; <updated> 00:37:20 gives its second, not its id
    assert (last.status, last.at) == ("resolved", at("2026-08-21T00:37:20+00:00"))
    assert last.id == f"{TAG}31233568:2026-08-21T00:37:00+00:00:resolved"
    assert last.body.startswith("This incident has been resolved. Thank you for your patience")
    assert [u.status for u in incident.updates[1:-1]] == ["investigating"] * 10  # "Update" keeps it
    assert incident.updates[1].id == f"{TAG}31233568:2026-08-20T14:51:00+00:00:update"


def test_same_minute_updates_keep_the_feeds_order_and_distinct_ids() -> None:
    snap = github()
    runners = snap.incidents[f"{TAG}31199495"].updates
    assert [(u.status, u.at.strftime("%H:%M")) for u in runners] == [
        ("investigating", "07:40"),
        ("monitoring", "07:40"),
        ("monitoring", "10:41"),
        ("monitoring", "11:24"),
        ("resolved", "11:42"),
    ]
    ids = [u.id for i in snap.incidents.values() for u in i.updates]
    assert len(set(ids)) == len(ids) == 178
    assert f"{TAG}31193766:2026-08-17T14:58:00+00:00:update#3" in ids  # three posts in one minute


def test_updates_crossing_midnight_and_entities_are_read() -> None:
    snap = github()
    actions = snap.incidents[f"{TAG}31107739"].updates
    assert (len(actions), actions[0].at, actions[-1].at) == (
        24,
        at("2026-08-06T15:22:00+00:00"),
        at("2026-08-07T02:04:00+00:00"),  # "Aug <var> 7</var>" with its padding space
    )
    copilot = snap.incidents[f"{TAG}31077734"].updates
    assert any("chat & agent models" in u.body for u in copilot)


def test_a_december_update_of_an_entry_updated_in_january_is_from_the_year_before() -> None:
    html = para("Jan 1", "00:20", "Resolved", "Fixed.") + para(
        "Dec 31", "23:50", "Investigating", "Hm."
    )
    updates = (
        ADAPTER.parse(atom(("1", "2027-01-01T00:20:00Z", "New year", html)), PAGE)
        .incidents[f"{TAG}1"]
        .updates
    )
    assert [(u.at, u.status) for u in updates] == [
        (at("2026-12-31T23:50:00+00:00"), "investigating"),
        (at("2027-01-01T00:20:00+00:00"), "resolved"),
    ]


def test_a_maintenance_entry_skips_its_schedule_paragraph() -> None:
    html = (
        "<p><strong>THIS IS A SCHEDULED EVENT Sep <var data-var='date'>6</var>, "
        "<var data-var='time'>04:00</var> - <var data-var='time'>06:00</var> UTC</strong></p>"
        + para("Sep 6", "06:00", "Completed", "Done.")
        + para("Sep 6", "04:00", "In progress", "Started.")
        + para("Sep 1", "12:00", "Scheduled", "Database upgrade on Sunday.")
    )
    incident = ADAPTER.parse(atom(("2", "2026-09-06T06:00:00Z", "Upgrade", html)), PAGE).incidents[
        f"{TAG}2"
    ]
    assert (incident.is_maintenance, incident.status) == (True, "completed")
    assert [u.status for u in incident.updates] == ["scheduled", "in_progress", "completed"]


def test_an_incident_io_rss_item_is_one_update_keyed_on_guid_and_date() -> None:
    description = (
        "<b>Status: Resolved</b><br/><br/>All impacted services have now fully recovered."
        "<br/><br/><b>Affected components</b><ul><li>Conversations (Operational)</li></ul>"
    )
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>OpenAI status</title>'
        "<generator>incident.io</generator><item><title><![CDATA[Elevated errors]]></title>"
        "<guid>https://status.openai.com//incidents/01JMYB4A4ZTZTR9XZR7C4YVXF6</guid>"
        "<link>https://status.openai.com//incidents/01JMYB4A4ZTZTR9XZR7C4YVXF6</link>"
        "<pubDate>Thu, 06 Aug 2026 01:09:00 GMT</pubDate>"
        f"<description><![CDATA[{description}]]></description></item></channel></rss>"
    ).encode()
    guid = "https://status.openai.com//incidents/01JMYB4A4ZTZTR9XZR7C4YVXF6"
    incident = ADAPTER.parse(body, PAGE).incidents[guid]
    assert (incident.name, incident.status, incident.url) == ("Elevated errors", "resolved", guid)
    (only,) = incident.updates
    assert (only.id, only.at) == (f"{guid}:2026-08-06T01:09:00+00:00", at("2026-08-06T01:09:00Z"))
    assert only.body == (
        "All impacted services have now fully recovered.\nAffected components\n"
        "Conversations (Operational)"
    )


def test_an_entry_without_a_known_status_is_unknown() -> None:
    plain_entry = ("3", "2026-09-04T10:00:00Z", "Something", "<div>Slow pages.</div>")
    odd_label = ("4", "2026-09-04T10:00:00Z", "Odd", para("Sep 4", "10:00", "Exploded", "Boom."))
    snap = ADAPTER.parse(atom(plain_entry, odd_label), PAGE)
    assert snap.incidents[f"{TAG}3"].updates[0].status == "unknown"
    assert snap.incidents[f"{TAG}3"].updates[0].body == "Slow pages."
    assert snap.incidents[f"{TAG}4"].status == "unknown"


def test_empty_feeds_are_empty_snapshots() -> None:
    assert ADAPTER.parse(atom(), PAGE) == Snapshot(page_name="GitHub")
    azure = b'<rss version="2.0"><channel><title>Azure Status</title></channel></rss>'
    assert ADAPTER.parse(azure, PAGE).incidents == {}


def test_an_entry_without_id_or_dates_is_a_parse_error_naming_it() -> None:
    no_id = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><summary>x</summary></entry></feed>'
    with pytest.raises(ParseError, match=r"feed.entries\[0\]: no id/guid, and no link or title"):
        ADAPTER.parse(no_id, PAGE)
    no_date = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id></entry></feed>'
    with pytest.raises(ParseError, match=r"feed.entries\[0\]: neither <updated> nor"):
        ADAPTER.parse(no_date, PAGE)


@pytest.mark.parametrize(
    "body", [b"<!DOCTYPE html><html><body>Just a moment...</body></html>", b'{"a": 1}', b""]
)
def test_a_body_that_is_not_a_feed_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError, match="not an RSS/Atom feed"):
        ADAPTER.parse(body, PAGE)


def test_plain_text_drops_tags_decodes_entities_and_keeps_blocks() -> None:
    assert plain("a&nbsp;&amp;&#8217;<br/>b <b>c</b>\n\n") == "a &’\nb c"


def test_an_open_incident_that_fell_off_the_feed_is_closed() -> None:
    assert ADAPTER.resolve(PAGE, [f"{TAG}9"], lambda url: None, NOW)[f"{TAG}9"].closed


def test_feeds_send_no_webhooks() -> None:
    with pytest.raises(ParseError, match="send no webhooks"):
        ADAPTER.parse_webhook({}, PAGE)


def test_a_first_poll_of_the_history_is_silent() -> None:
    assert diff(PAGE, "feed", None, github(), NOW).events == []


def test_a_first_poll_announces_an_open_incidents_latest_update_then_one_per_new_update() -> None:
    html = para("Sep 4", "10:05", "Update", "Still looking.") + OPEN
    first = diff(
        PAGE,
        "feed",
        None,
        ADAPTER.parse(atom(("5", "2026-09-04T10:05:00Z", "Actions", html)), PAGE),
        NOW,
    )
    assert [(e.kind, e.status, e.body, e.product) for e in first.events] == [
        ("incident", "investigating", "Still looking.", "GitHub - Actions")
    ]
    html = para("Sep 4", "10:30", "Resolved", "Fixed.") + html
    feed = atom(("5", "2026-09-04T10:30:00Z", "Actions", html))
    second = diff(PAGE, "feed", first.state, ADAPTER.parse(feed, PAGE), NOW)
    assert [(e.status, e.body) for e in second.events] == [("resolved", "Fixed.")]
