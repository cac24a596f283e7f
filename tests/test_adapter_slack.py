"""Slack Status API v2.0.0: the docs' real "ok" answer, then incidents written from the docs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.adapters import get_adapter
from monitor.adapters.slack import ADAPTER, SERVICES
from monitor.detect import diff
from monitor.errors import ParseError
from monitor.model import Snapshot
from monitor.pages import PageConfig
from tests.paths import FIXTURES

PAGE = PageConfig(id="slack", name="Slack", url="https://slack-status.com/", kind="slack")
CAPTURE = FIXTURES / "slack" / "current-ok-docs-example.json"
NOW = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)
FIRST = "Technical Summary:\r\nOn September 7th at 2:35pm PT, we received reports."


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def incident(**changes: Any) -> dict[str, Any]:
    """The docs' incident example (its notes are truncated there; one full note here)."""
    raw: dict[str, Any] = {
        "id": "546",
        "date_created": "2018-09-07T14:35:00-07:00",
        "date_updated": "2018-09-07T18:34:15-07:00",
        "title": "Slack’s forwarding email feature is failing for some customers",
        "type": "incident",
        "status": "active",
        "url": "https://slack-status.com/2018-09/7dea1cd14cd0f657",
        "services": ["Apps/Integrations/APIs"],
        "notes": [{"date_created": "2018-09-07T18:34:15-07:00", "body": FIRST}],
    }
    raw.update(changes)
    return raw


def current(*incidents: dict[str, Any]) -> bytes:
    status = "active" if incidents else "ok"
    return json.dumps(
        {
            "status": status,
            "date_created": "2019-04-09T07:35:46-07:00",
            "date_updated": "2019-04-09T07:35:46-07:00",
            "active_incidents": list(incidents),
        }
    ).encode()


def parse(*incidents: dict[str, Any]) -> Snapshot:
    return ADAPTER.parse(current(*incidents), PAGE)


def test_the_adapter_is_registered_and_polls_the_current_endpoint() -> None:
    assert get_adapter("slack") is ADAPTER
    assert ADAPTER.summary_url(PAGE) == "https://slack-status.com/api/v2.0.0/current"


def test_the_ok_answer_is_every_service_operational_and_no_incident() -> None:
    snap = ADAPTER.parse(CAPTURE.read_bytes(), PAGE)
    assert snap.incidents == {}
    assert list(snap.components) == list(SERVICES) and len(SERVICES) == 11
    messaging = snap.components["Messaging"]
    assert (messaging.name, messaging.status, messaging.status_raw) == (
        "Messaging",
        "operational",
        "ok",
    )
    assert messaging.updated_at == at("2018-09-08T01:34:15+00:00")  # -07:00 normalized


def test_an_old_ok_answer_without_active_incidents_is_read_too() -> None:
    body = b'{"status":"ok","date_created":"2018-09-07T18:34:15-07:00"}'
    snap = ADAPTER.parse(body, PAGE)
    assert snap.incidents == {} and snap.components["Huddles"].updated_at is None


def test_an_active_incident_is_read_with_its_note() -> None:
    found = parse(incident()).incidents["546"]
    assert found.name == "Slack’s forwarding email feature is failing for some customers"
    assert (found.status, found.impact, found.is_maintenance) == ("investigating", "minor", False)
    assert found.url == "https://slack-status.com/2018-09/7dea1cd14cd0f657"
    assert found.component_ids == ("Apps/Integrations/APIs",)
    assert [(u.id, u.status, u.at) for u in found.updates] == [
        ("546:2018-09-08T01:34:15+00:00:investigating", "investigating", at("2018-09-08T01:34:15Z"))
    ]
    assert (
        found.updates[0].body
        == "Technical Summary:\nOn September 7th at 2:35pm PT, we received reports."
    )


def test_the_services_an_incident_names_are_degraded_by_its_type() -> None:
    snap = parse(incident(), incident(id=547, type="outage", services=["Messaging", "Files"]))
    assert snap.components["Apps/Integrations/APIs"].status == "partial_outage"
    messaging = snap.components["Messaging"]
    assert (messaging.status, messaging.status_raw) == ("major_outage", "outage")
    assert messaging.updated_at == at("2018-09-08T01:34:15+00:00")
    assert snap.components["Search"].status == "operational"


def test_an_integer_id_is_read_as_a_string() -> None:
    assert list(parse(incident(id=546)).incidents) == ["546"]


def test_notes_come_out_oldest_first_and_only_the_newest_carries_the_resolution() -> None:
    notes = [
        {"date_created": "2018-09-07T19:00:00-07:00", "body": "Fixed."},
        {"date_created": "2018-09-07T18:34:15-07:00", "body": FIRST},
    ]
    snap = parse(incident(status="resolved", notes=notes))
    updates = snap.incidents["546"].updates
    assert [(u.id, u.status) for u in updates] == [
        ("546:2018-09-08T01:34:15+00:00:investigating", "investigating"),
        ("546:2018-09-08T02:00:00+00:00:resolved", "resolved"),
    ]
    assert snap.components["Apps/Integrations/APIs"].status == "operational"


def test_a_notice_degrades_and_an_unknown_type_or_status_becomes_unknown() -> None:
    snap = parse(
        incident(type="notice", services=["Search"]),
        incident(id="548", type="meltdown", services=["Canvases"]),
        incident(id="549", status="paused"),
    )
    assert snap.components["Search"].status == "degraded"
    assert snap.components["Canvases"].status == "unknown"
    assert snap.incidents["549"].status == "unknown"
    assert snap.incidents["548"].impact == "unknown"


def test_a_service_outside_the_known_eleven_is_added() -> None:
    snap = parse(incident(services=["Slack AI"]))
    assert snap.components["Slack AI"].status == "partial_outage"
    assert len(snap.components) == 12


def test_a_scheduled_maintenance_changes_no_service_yet() -> None:
    found = parse(incident(type="maintenance", status="scheduled", notes=[]))
    maintenance = found.incidents["546"]
    assert (maintenance.status, maintenance.is_maintenance, maintenance.impact) == (
        "scheduled",
        True,
        "maintenance",
    )
    assert [u.id for u in maintenance.updates] == ["546:2018-09-07T21:35:00+00:00:scheduled"]
    assert found.components["Apps/Integrations/APIs"].status == "operational"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b'{"status": "ok", "active_incidents": {}}', "active_incidents"),
        (b'{"active_incidents": []}', "current.status"),
        (current(incident(notes=[{"date_created": []}])), r"active_incidents\[0\].notes\[0\]"),
        (current(incident(services=[{"name": "x"}])), r"active_incidents\[0\].services\[0\]"),
        (current(incident(id=None)), r"active_incidents\[0\].id"),
        (current(incident(title=["x"])), r"active_incidents\[0\].title"),
    ],
)
def test_a_wrong_type_is_a_parse_error_naming_the_path(body: bytes, path: str) -> None:
    with pytest.raises(ParseError, match=path):
        ADAPTER.parse(body, PAGE)


@pytest.mark.parametrize("body", [b"<html>Slack is down</html>", b"[]", b""])
def test_a_body_that_is_not_the_status_object_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        ADAPTER.parse(body, PAGE)


def test_an_incident_that_left_current_is_read_from_history() -> None:
    history = [incident(id=546, status="resolved"), incident(id="1", title="older")]
    asked: list[str] = []

    def get(url: str) -> bytes:
        asked.append(url)
        return json.dumps(history).encode()

    found = ADAPTER.resolve(PAGE, ["546", "999"], get, NOW)
    assert asked == ["https://slack-status.com/api/v2.0.0/history"]
    assert found["546"].status == "resolved" and found["546"].name.startswith("Slack’s")
    assert found["999"].closed and found["999"].updates[-1].at == NOW  # not in history either


def test_slack_sends_no_webhooks() -> None:
    with pytest.raises(ParseError, match="sends no webhooks"):
        ADAPTER.parse_webhook({"status": "active"}, PAGE)


def test_a_first_poll_announces_the_degraded_service_and_the_latest_note_once() -> None:
    first = diff(PAGE, "slack", None, parse(incident()), NOW)
    assert sorted((e.kind, e.status, e.product) for e in first.events) == [
        ("component", "partial_outage", "Slack - Apps/Integrations/APIs"),
        ("incident", "investigating", "Slack - Apps/Integrations/APIs"),
    ]
    notes = [{"date_created": "2018-09-07T19:10:00-07:00", "body": "Still on it."}]
    second = diff(
        PAGE, "slack", first.state, parse(incident(notes=incident()["notes"] + notes)), NOW
    )
    assert [(e.kind, e.body) for e in second.events] == [("incident", "Still on it.")]


def test_a_resolution_without_a_new_note_is_announced_once() -> None:
    first = diff(PAGE, "slack", None, parse(incident()), NOW)
    resolved = parse(incident(status="resolved"))
    second = diff(PAGE, "slack", first.state, resolved, NOW)
    assert sorted((e.kind, e.status) for e in second.events) == [
        ("component", "operational"),
        ("incident", "resolved"),
    ]
    assert diff(PAGE, "slack", second.state, resolved, NOW).events == []
