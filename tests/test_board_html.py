"""The board's HTML as the server renders it (what a browser without JavaScript gets): the
incident-first header, statusmon's own health, the filter form, 10,000 pages summarized."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from monitor import keys, status, store
from monitor.registry import sync_pages
from tests.support import board as b
from tests.test_board_api import trouble


@pytest.fixture
def client(r: store.Redis, redis_url: str, tmp_path: Path) -> FlaskClient:
    return b.app(tmp_path, redis_url).test_client()


def html(client: FlaskClient, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_the_header_leads_with_the_open_incident_linked_to_the_vendor(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    page = html(client)
    assert (
        '<a href="https://oai.example.invalid/incidents/inc1">OpenAI — Chat Completions: Partial Outage, Identified since'
        in page
    )
    assert "All 2 services operational" not in page
    assert page.index("Found it.") < page.index("We are looking.")  # the timeline, newest first
    assert page.index('id="page-oai"') < page.index('id="page-gh"')  # in trouble first


def test_all_operational_when_it_is(r: store.Redis, client: FlaskClient) -> None:
    b.register(r, b.page("gh", "GitHub"), b.page("oai", "OpenAI"))
    b.healthy(r)
    for page_id in ("gh", "oai"):
        store.save_state(r, page_id, b.state({"c": ("API", status.OPERATIONAL)}))
        b.polled(r, page_id)
    assert "All 2 services operational" in html(client)


def test_a_silent_notifier_is_said_plainly_never_all_operational(
    unwatched: tuple[store.Redis, str], tmp_path: Path
) -> None:
    r, url = unwatched
    b.register(r, b.page("gh", "GitHub"))
    store.save_state(r, "gh", b.state({"c": ("API", status.OPERATIONAL)}))
    store.heartbeat(r, "beat")
    store.heartbeat(r, "poll")
    page = html(b.app(tmp_path, url).test_client())
    assert "statusmon is not healthy: the notifier is silent" in page
    assert "operational</p>" not in page and "All 1 service" not in page


def test_without_javascript_it_refreshes_itself_and_filters_with_a_form(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    page = html(client)
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in page
    filtered = html(client, "/?q=git")
    assert 'id="page-gh"' in filtered and 'id="page-oai"' not in filtered
    assert 'value="git"' in filtered


def test_the_page_has_landmarks_a_language_and_no_outside_assets(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    page = html(client)
    for mark in (
        '<html lang="en">',
        "<main",
        "<header",
        "<footer",
        'role="search"',
        'name="viewport"',
    ):
        assert mark in page
    assert "http://" not in page.replace(
        "http://localhost/", ""
    )  # no CDN: links are the vendors' (https)
    with client.get("/static/board/board.js") as script:
        assert script.status_code == 200 and b"EventSource" in script.get_data()


def test_ten_thousand_pages_render_the_ones_in_trouble_and_summarize_the_rest(
    r: store.Redis, client: FlaskClient
) -> None:
    pages = [b.page(f"p{n}", f"Vendor {n}") for n in range(10_000)]
    b.register(r, *pages)
    b.healthy(r)
    with r.pipeline(transaction=False) as p:
        for page in pages:
            broken = page.id == "p42"
            st = b.state({"c": ("API", status.MAJOR_OUTAGE if broken else status.OPERATIONAL)})
            p.set(f"statusmon:state:{page.id}", st.to_json())
            p.hset("statusmon:polls:at", page.id, time.time())
        p.execute()
    started = time.monotonic()
    page = html(client)
    took = time.monotonic() - started
    assert 'id="page-p42"' in page and 'id="page-p43"' not in page
    assert "9999 more pages not shown, all operational" in page
    assert "Vendor 42 — API: Major Outage" in page
    assert len(page) < 200_000 and took < 10  # generous: the machine is shared
    assert 'id="page-p4321"' in html(client, "/?q=vendor 4321")


def test_a_vendors_javascript_link_never_reaches_the_board_and_nothing_loads_from_elsewhere(
    r: store.Redis, client: FlaskClient
) -> None:
    b.register(r, b.page("gh", "GitHub"))
    store.save_state(
        r, "gh", b.state({"c": ("API", status.MAJOR_OUTAGE)}, {"i": ("Outage", ["c"])})
    )
    hostile = b.incident_event("gh", "GitHub", "i", "u", "investigating", "<script>x</script>")
    b.log(r, dataclasses.replace(hostile, url="javascript:alert(1)"))
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert "javascript:" not in page and "<script>x" not in page and "&lt;script&gt;x" in page
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "javascript:" not in client.get("/feed.atom").get_data(as_text=True)


def test_days_before_statusmon_had_a_page_show_no_data_in_a_style_of_their_own(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)  # its states saved now: statusmon's first record of each page
    r.hset(keys.FIRST_SEEN, "oai", time.time() - 10 * 86400)
    page = html(client)
    oai = page[page.index('id="page-oai"') : page.index('id="page-gh"')]
    assert oai.count('<li class="no-data" title=') == 2 * 79  # two components, 90 − 11 days
    assert (
        "Chat Completions: the last 90 days, 11 of them affected; no data for the first 79" in oai
    )
    gh = page[page.index('id="page-gh"') :]
    assert "no data for the first 89 (before statusmon's first record)" in gh


def test_the_first_saved_state_marks_statusmons_first_record_and_later_ones_keep_it(
    r: store.Redis,
) -> None:
    store.save_state(r, "gh", b.state({"c": ("API", status.OPERATIONAL)}))
    first = r.hget(keys.FIRST_SEEN, "gh")
    store.save_state(r, "gh", b.state({"c": ("API", status.DEGRADED)}))
    assert first is not None and r.hget(keys.FIRST_SEEN, "gh") == first


def test_a_page_taken_out_of_the_registry_loses_its_first_record(r: store.Redis) -> None:
    b.register(r, b.page("gh", "GitHub"))
    store.save_state(r, "gh", b.state({"c": ("API", status.OPERATIONAL)}))
    assert r.hexists(keys.FIRST_SEEN, "gh")
    sync_pages(r, [], time.time())  # added again later, its history starts anew
    assert not r.hexists(keys.FIRST_SEEN, "gh")
