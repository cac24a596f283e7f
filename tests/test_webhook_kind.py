"""A webhook for a page without `kind` is read as the platform its polls found (the page's
state in a real Redis), and as Statuspage only until a poll has found one: in the ingest task
and in the web app's check before queueing. Real payloads: Better Stack's documented incident
webhook (updates without a status, which Statuspage's reading refuses) and Zulip's Statuspage
incident webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from monitor import store
from monitor.config import load_pages
from monitor.errors import ParseError
from monitor.events import StatusEvent
from monitor.ingest import ingest, webhook_kind
from monitor.pages import PageConfig
from monitor.settings import Settings, WebSettings
from monitor.state import PageState
from monitor.web.ingress import create_app
from tests.paths import FIXTURES
from tests.support.web import HMAC_SECRET, Queue, hmac_headers, write_pages

BETTERSTACK = (
    FIXTURES / "more" / "betterstack" / "webhook-incident-update-no-status-docs-example.json"
)
STATUSPAGE = FIXTURES / "statuspage" / "webhook-incident-created-zulip.json"
NOW = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)
PAGES = [
    {"id": "probed", "name": "Example", "url": "https://status.example.invalid",
     "webhook": {"secrets": [HMAC_SECRET]}},
]  # fmt: skip


@pytest.fixture
def page(tmp_path: Path) -> PageConfig:
    [config] = load_pages(write_pages(tmp_path, PAGES))
    assert config.kind is None
    return config


def probed(r: store.Redis, platform: str) -> None:
    store.save_state(r, "probed", PageState(platform=platform, baselined=True))


def test_a_page_without_kind_or_state_reads_webhooks_as_statuspage(
    r: store.Redis, page: PageConfig
) -> None:
    assert webhook_kind(r, page) == "statuspage"
    emitted: list[StatusEvent] = []
    payload = json.loads(STATUSPAGE.read_bytes())
    events = ingest(r, page, payload, emitted.extend, NOW)
    assert [(e.provider, e.status) for e in events] == [("statuspage", "identified")]
    with pytest.raises(ParseError, match="incident_updates"):
        ingest(r, page, json.loads(BETTERSTACK.read_bytes()), emitted.extend, NOW)


def test_a_page_without_kind_reads_webhooks_as_the_platform_its_polls_found(
    r: store.Redis, page: PageConfig
) -> None:
    probed(r, "betterstack")
    assert webhook_kind(r, page) == "betterstack"
    emitted: list[StatusEvent] = []
    events = ingest(r, page, json.loads(BETTERSTACK.read_bytes()), emitted.extend, NOW)
    assert [(e.provider, e.status, e.update_id) for e in events] == [
        ("betterstack", "investigating", "11110"),  # a known page: both updates, oldest first
        ("betterstack", "investigating", "11111"),
    ]
    assert emitted == events
    state = store.load_state(r, "probed")
    assert state is not None and state.platform == "betterstack"  # no "platform changed" line


def test_a_configured_kind_wins_over_the_probed_platform(r: store.Redis, page: PageConfig) -> None:
    probed(r, "betterstack")
    configured = PageConfig(id=page.id, name=page.name, url=page.url, kind="statuspage")
    assert webhook_kind(r, configured) == "statuspage"


@pytest.fixture
def client(tmp_path: Path, redis_url: str, r: store.Redis) -> Iterator[tuple[FlaskClient, Queue]]:
    queue = Queue(redis_url.rsplit("/", 1)[0] + "/3")
    queue.clear()
    path = write_pages(tmp_path, PAGES)
    settings = Settings(
        redis_url=redis_url,
        pages_path=str(path),
        web=WebSettings(rate_limit="100000/minute"),
    )
    yield create_app(settings, broker_url=queue.url).test_client(), queue
    queue.clear()
    queue.close()


def test_the_web_app_checks_a_webhook_against_the_probed_platform(
    r: store.Redis, client: tuple[FlaskClient, Queue]
) -> None:
    web, queue = client
    body = BETTERSTACK.read_bytes()
    refused = web.post("/webhook/probed", data=body, headers=hmac_headers(body))
    assert refused.status_code == 422 and len(queue) == 0  # read as Statuspage: no update status
    probed(r, "betterstack")
    accepted = web.post("/webhook/probed", data=body, headers=hmac_headers(body))
    assert accepted.status_code == 202
    assert [m["args"] for m in queue.messages()] == [["probed", json.loads(body)]]
