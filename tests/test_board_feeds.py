"""What other tools read: /api/v1/summary as Statuspage's summary.json (read back by statusmon's
own Statuspage adapter), the Atom feeds (parsed by feedparser) and the SVG badges."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest
from flask.testing import FlaskClient

from monitor import status, store
from monitor.adapters.statuspage import StatuspageAdapter
from monitor.pages import PageConfig
from tests.support import board as b
from tests.test_board_api import trouble


@pytest.fixture
def client(r: store.Redis, redis_url: str, tmp_path: Path) -> FlaskClient:
    return b.app(tmp_path, redis_url).test_client()


def test_the_summary_reads_as_a_statuspage_summary_to_our_own_adapter(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    body = client.get("/api/v1/summary").get_data()
    snapshot = StatuspageAdapter().parse(
        body, PageConfig(id="sm", name="statusmon", url="http://x")
    )
    assert snapshot.components["oai/chat"].status == status.PARTIAL_OUTAGE
    assert snapshot.components["oai/chat"].group_name == "OpenAI"
    assert snapshot.components["gh/c1"].status == status.OPERATIONAL
    (incident,) = snapshot.incidents.values()
    assert incident.id == "oai/inc1" and incident.component_ids == ("oai/chat",)
    assert [u.body for u in incident.updates] == ["We are looking.", "Found it."]
    data = client.get("/api/v1/summary").get_json()
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}


def test_an_all_clear_summary_says_all_systems_operational(
    r: store.Redis, client: FlaskClient
) -> None:
    b.register(r, b.page("gh", "GitHub"))
    store.save_state(r, "gh", b.state({"c1": ("Actions", status.OPERATIONAL)}))
    data = client.get("/api/v1/summary").get_json()
    assert data["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert data["incidents"] == [] and data["scheduled_maintenances"] == []


def test_the_feed_of_all_changes_is_valid_atom_newest_first(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    b.log(r, b.component_event("gh", "GitHub", "c1", "degraded", "operational"))
    response = client.get("/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    titles = [e.title for e in feed.entries]
    assert titles == [
        "GitHub - API: Degraded Performance (was Operational)",
        "OpenAI - API: Identified - Found it.",
        "OpenAI - API: Investigating - We are looking.",
    ]
    assert feed.entries[1].link == "https://oai.example.invalid/incidents/inc1"
    assert len({e.id for e in feed.entries}) == 3


def test_a_page_feed_has_that_page_only_and_an_unknown_page_is_a_404(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    b.log(r, b.component_event("gh", "GitHub", "c1", "degraded", "operational"))
    feed = feedparser.parse(client.get("/pages/gh/feed.atom").get_data())
    assert not feed.bozo and [e.title for e in feed.entries] == [
        "GitHub - API: Degraded Performance (was Operational)"
    ]
    assert client.get("/pages/nope/feed.atom").status_code == 404


def test_control_characters_in_a_body_do_not_break_the_feed(
    r: store.Redis, client: FlaskClient
) -> None:
    b.register(r, b.page("gh", "GitHub"))
    b.log(r, b.incident_event("gh", "GitHub", "i", "u", "investigating", "bad\x00\x1bbytes <b>&"))
    feed = feedparser.parse(client.get("/feed.atom").get_data())
    assert not feed.bozo and "bytes <b>&" in feed.entries[0].summary


def test_a_badge_is_an_svg_with_the_page_and_its_status(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    response = client.get("/badge/oai.svg")
    assert response.mimetype == "image/svg+xml"
    svg = ET.fromstring(response.get_data())
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["OpenAI", "partial outage"]
    assert client.get("/badge/nope.svg").status_code == 404
