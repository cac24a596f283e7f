"""A whole poll of a hostile page (real loopback servers, real Redis): what the operator reads
in the log, what the page can make us request, and text no encoder accepts."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor import backoff, keys, store
from monitor.cli.redis_server import free_port
from monitor.events import StatusEvent
from monitor.output import render
from monitor.pages import PageConfig
from monitor.poll import Poller
from monitor.session import new_session
from monitor.state import IncidentState, PageState
from tests.support import hostile
from tests.support.hostile import HostileServer
from tests.support.pageserver import PageServer
from tests.support.scenarios import IncidentIoStory, StatuspageStory

SUMMARY = "/api/v2/summary.json"
TRAVERSAL = "../../../../admin?x="
ESCAPED = "..%2F..%2F..%2F..%2Fadmin%3Fx%3D"


@pytest.fixture
def server() -> Iterator[HostileServer]:
    s = HostileServer()
    yield s
    s.close()


def warning_of(
    r: store.Redis, page: PageConfig, caplog: pytest.LogCaptureFixture, **kw: object
) -> str:
    poller = Poller(r, new_session(**kw), timeout=1, backoff_base=0.05)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="statusmon.poll"):
        assert poller.poll(page, lambda events: None).outcome == "error"
    (record,) = caplog.records
    return record.getMessage()


def test_a_page_too_big_is_one_warning_and_waits_for_its_next_poll(
    r: store.Redis, server: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.on(SUMMARY, hostile.gzip_bomb(8 << 20))
    page = PageConfig("big", "Big", server.url, "statuspage")
    assert warning_of(r, page, caplog, max_body=1 << 20) == (
        f"page big: fetch failed (response from {server.host} ran past 1048576 bytes: over the "
        "1048576-byte limit (MONITOR_MAX_BODY)); next try at its next poll"
    )
    assert not r.exists(keys.backoff(server.host))


def test_a_trickling_page_is_one_warning_and_backs_its_host_off(
    r: store.Redis, server: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.on(SUMMARY, hostile.trickle(b"{}" * 20, every=0.2))
    page = PageConfig("slow", "Slow", server.url, "statuspage")
    message = warning_of(r, page, caplog)
    assert message.startswith("page slow: fetch failed (took longer than 1s); next try in ")
    assert backoff.backoff_remaining(r, server.host) > 0


def test_a_refused_connection_is_one_line_naming_the_address(
    r: store.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    page = PageConfig("gone", "Gone", f"http://127.0.0.1:{port}", "statuspage")
    message = warning_of(r, page, caplog)
    assert message.startswith(f"page gone: fetch failed (connection refused by 127.0.0.1:{port})")
    assert "\n" not in message and "Max retries" not in message


def test_a_statuspage_incident_id_stays_one_path_segment(r: store.Redis, pages: PageServer) -> None:
    story = StatuspageStory()
    poller = Poller(r, new_session(), timeout=5)
    page = PageConfig("claude", "Claude", pages.url, "statuspage")
    opened = story.incident(TRAVERSAL, "Errors", ("u1", "investigating", "Looking."))
    pages.set_json(SUMMARY, story.summary("operational", opened))
    assert poller.poll(page, lambda events: None).outcome == "changed"
    pages.set_json(SUMMARY, story.summary("operational"))
    assert poller.poll(page, lambda events: None).outcome == "changed"
    assert pages.hits[f"/api/v2/incidents/{ESCAPED}.json"] == 1
    assert not [path for path in pages.hits if "admin" in path and ESCAPED not in path]


def test_an_incident_io_incident_id_stays_one_path_segment(
    r: store.Redis, pages: PageServer
) -> None:
    story = IncidentIoStory()
    poller = Poller(r, new_session(), timeout=5)
    page = PageConfig("openai", "OpenAI", pages.url, "incidentio")
    proxy = f"/proxy/{pages.host}"
    opened = story.incident(TRAVERSAL, "Errors", ("u1", "investigating", "Looking."))
    pages.set_json(proxy, story.summary("degraded_performance", opened))
    assert poller.poll(page, lambda events: None).outcome == "changed"
    pages.set_json(proxy, story.summary("operational"))
    assert poller.poll(page, lambda events: None).outcome == "changed"
    assert pages.hits[f"{proxy}/incidents/{ESCAPED}"] == 1
    assert not [path for path in pages.hits if "admin" in path and ESCAPED not in path]


@pytest.mark.parametrize("incident_id", ["..", "."])
def test_an_id_that_is_a_dot_segment_is_not_requested_and_closes_as_gone(
    r: store.Redis, pages: PageServer, incident_id: str
) -> None:
    story = StatuspageStory()
    poller, events = Poller(r, new_session(), timeout=5), []
    page = PageConfig("claude", "Claude", pages.url, "statuspage")
    opened = story.incident(incident_id, "Errors", ("u1", "investigating", "Looking."))
    pages.set_json(SUMMARY, story.summary("operational", opened))
    poller.poll(page, events.extend)
    pages.set_json(SUMMARY, story.summary("operational"))
    assert poller.poll(page, events.extend).outcome == "changed"
    assert set(pages.hits) == {
        SUMMARY,
        "/api/v2/incidents.json",
        "/api/v2/scheduled-maintenances.json",
    }
    assert (events[-1].incident_id, events[-1].status) == (incident_id, "resolved")


def test_a_title_cut_inside_an_emoji_is_printed_once_and_the_page_moves_on(
    r: store.Redis, pages: PageServer
) -> None:
    story = StatuspageStory()
    poller, events = Poller(r, new_session(), timeout=5), []
    page = PageConfig("claude", "Claude", pages.url, "statuspage")
    cut = story.incident(
        "inc1", "Outage \ud83d", ("u1", "investigating", "Down \ud83d\ude00 \ude00")
    )
    pages.set_json(SUMMARY, story.summary("operational", cut))
    assert "\\ud83d" in json.dumps(cut)  # what the page serves: valid JSON
    assert poller.poll(page, events.extend).outcome == "changed"
    assert poller.poll(page, events.extend).outcome == "not_modified"
    (event,) = events
    assert (event.incident_name, event.body) == ("Outage \ufffd", "Down \U0001f600 \ufffd")
    assert store.load_state(r, "claude").incidents["inc1"].name == "Outage \ufffd"


def test_text_no_encoder_accepts_still_renders_and_saves() -> None:
    """Lone surrogates that arrived some other way (a webhook) still print and still save."""
    event = StatusEvent(
        "p", "P", "statuspage", "incident", "P - API \ud83d", "investigating", "investigating",
        datetime(2026, 9, 4, tzinfo=UTC), "k", body="cut \udc00", incident_name="x \ud83d",
    )  # fmt: skip
    for fmt in ("json", "text"):
        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
        out.write(render(event, ZoneInfo("UTC"), fmt) + "\n")
        out.flush()
    line = json.loads(render(event, ZoneInfo("UTC"), "json"))
    assert (line["product"], line["body"]) == ("P - API \ufffd", "cut \ufffd")
    state = PageState(incidents={"i\ud83d": IncidentState("investigating", "x \ud83d")})
    assert PageState.from_json(state.to_json().encode("utf-8")).incidents == {
        "i\ufffd": IncidentState("investigating", "x \ufffd")
    }


def test_the_notifier_writes_a_json_line_with_a_lone_surrogate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workers.runtime import RuntimeTask

    monkeypatch.setenv("MONITOR_FORMAT", "json")
    notifier = RuntimeTask()
    raw = io.BytesIO()
    notifier.stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    event = StatusEvent(
        "p", "P", "statuspage", "incident", "P - API", "investigating", "investigating",
        datetime(2026, 9, 4, tzinfo=UTC), "k", incident_name="Outage \ud83d",
    )  # fmt: skip
    notifier.write_line(event)
    assert json.loads(raw.getvalue())["incident_name"] == "Outage \ufffd"
