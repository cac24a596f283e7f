"""Google Cloud incidents.json: the real BigQuery capture, then the shapes real feeds drift to."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.adapters import get_adapter
from monitor.adapters.gcp import ADAPTER
from monitor.detect import diff
from monitor.errors import ParseError
from monitor.pages import PageConfig
from tests.paths import FIXTURES

PAGE = PageConfig(id="gcp", name="Google Cloud", url="https://status.cloud.google.com/", kind="gcp")
CAPTURE = FIXTURES / "gcp" / "incidents-json-bigquery-europe-north1-2023-03-10.json"
INCIDENT = "rZvZvSKVdDHyWh4dZJ8D"
BIGQUERY = "9CcrhHUcFevXPSVaSxkf"
NOW = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def capture() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(CAPTURE.read_text(encoding="utf-8"))
    return rows


def reopened() -> list[dict[str, Any]]:
    """The capture as it read while open, worsened to an outage."""
    rows = capture()
    del rows[0]["end"]
    rows[0]["updates"][0]["status"] = "SERVICE_OUTAGE"
    rows[0]["most_recent_update"]["status"] = "SERVICE_OUTAGE"
    return rows


def parse(rows: Any) -> Any:
    return ADAPTER.parse(json.dumps(rows).encode(), PAGE)


def update(created: str, status: str, text: str = "") -> dict[str, Any]:
    return {
        "created": created,
        "modified": created,
        "when": created,
        "text": text,
        "status": status,
    }


def test_the_adapter_is_registered_and_polls_incidents_json() -> None:
    assert get_adapter("gcp") is ADAPTER
    assert ADAPTER.summary_url(PAGE) == "https://status.cloud.google.com/incidents.json"


def test_the_bigquery_capture_is_one_resolved_incident() -> None:
    snap = ADAPTER.parse(CAPTURE.read_bytes(), PAGE)
    assert list(snap.incidents) == [INCIDENT]
    incident = snap.incidents[INCIDENT]
    assert incident.name == "Retry errors for Google BigQuery in europe-north1"
    assert incident.status == "resolved" and incident.closed
    assert incident.impact == "minor"  # severity "low"
    assert incident.component_ids == (BIGQUERY,)
    assert incident.url == "https://status.cloud.google.com/incidents/rZvZvSKVdDHyWh4dZJ8D"


def test_its_one_update_is_followed_by_a_closing_update_at_its_end() -> None:
    updates = ADAPTER.parse(CAPTURE.read_bytes(), PAGE).incidents[INCIDENT].updates
    assert [(u.id, u.status, u.at) for u in updates] == [
        (
            "rZvZvSKVdDHyWh4dZJ8D:2023-03-10T14:26:17+00:00:SERVICE_INFORMATION",
            "investigating",
            at("2023-03-10T14:26:17+00:00"),
        ),
        ("rZvZvSKVdDHyWh4dZJ8D:end", "resolved", at("2023-03-10T14:54:50+00:00")),
    ]
    assert updates[0].body.startswith(
        "Summary: Retry errors for Google BigQuery in europe-north1\n"
    )
    assert updates[0].body.endswith("Workaround: Retry requests")


def test_the_product_of_a_resolved_incident_is_operational_since_its_end() -> None:
    comp = ADAPTER.parse(CAPTURE.read_bytes(), PAGE).components[BIGQUERY]
    assert (comp.name, comp.status, comp.status_raw) == (
        "Google BigQuery",
        "operational",
        "AVAILABLE",
    )
    assert comp.updated_at == at("2023-03-10T14:54:50+00:00")
    assert comp.group_id is None


def test_an_open_outage_puts_its_product_in_major_outage() -> None:
    snap = parse(reopened())
    assert snap.incidents[INCIDENT].status == "investigating"
    assert [u.status for u in snap.incidents[INCIDENT].updates] == ["investigating"]
    comp = snap.components[BIGQUERY]
    assert (comp.status, comp.status_raw) == ("major_outage", "SERVICE_OUTAGE")
    assert comp.updated_at == at("2023-03-10T14:26:17+00:00")


def test_updates_listed_newest_first_come_out_oldest_first() -> None:
    rows = capture()
    rows[0]["updates"] = [
        update("2023-03-10T14:54:40+00:00", "AVAILABLE", "fixed"),
        update("2023-03-10T14:40:00+00:00", "SERVICE_DISRUPTION", "worse"),
        update("2023-03-10T14:26:17+00:00", "SERVICE_INFORMATION", "first"),
    ]
    updates = parse(rows).incidents[INCIDENT].updates
    assert [(u.body, u.status) for u in updates] == [
        ("first", "investigating"),
        ("worse", "investigating"),
        ("fixed", "resolved"),  # an AVAILABLE update closes it: no synthetic closing update
    ]
    assert updates[2].id == "rZvZvSKVdDHyWh4dZJ8D:2023-03-10T14:54:40+00:00:AVAILABLE"


def test_a_feed_without_updates_falls_back_to_most_recent_update() -> None:
    rows = reopened()
    del rows[0]["updates"]
    del rows[0]["currently_affected_locations"], rows[0]["previously_affected_locations"]
    updates = parse(rows).incidents[INCIDENT].updates
    assert [u.id for u in updates] == [
        "rZvZvSKVdDHyWh4dZJ8D:2023-03-10T14:26:17+00:00:SERVICE_OUTAGE"
    ]


def test_an_incident_with_no_update_at_all_is_its_own_first_update() -> None:
    rows = reopened()
    rows[0]["updates"] = []
    del rows[0]["most_recent_update"]
    snap = parse(rows)
    (only,) = snap.incidents[INCIDENT].updates
    assert only.id == "rZvZvSKVdDHyWh4dZJ8D:2023-03-10T14:09:43+00:00:SERVICE_INFORMATION"
    assert (only.at, only.body) == (at("2023-03-10T14:09:43+00:00"), rows[0]["external_desc"])
    assert snap.components[BIGQUERY].status == "operational"  # informational: no status change


def test_an_unknown_update_status_becomes_unknown() -> None:
    rows = reopened()
    rows[0]["updates"][0]["status"] = rows[0]["most_recent_update"]["status"] = "SERVICE_ON_FIRE"
    snap = parse(rows)
    assert snap.incidents[INCIDENT].updates[0].status == "unknown"
    assert (snap.components[BIGQUERY].status, snap.components[BIGQUERY].status_raw) == (
        "unknown",
        "SERVICE_ON_FIRE",
    )


def test_the_worst_open_incident_decides_a_products_status() -> None:
    outage, disruption, closed = reopened()[0], reopened()[0], capture()[0]
    disruption["id"], closed["id"] = "second", "third"
    disruption["most_recent_update"]["status"] = "SERVICE_DISRUPTION"
    disruption["most_recent_update"]["when"] = "2023-03-10T15:00:00+00:00"
    snap = parse([closed, disruption, outage])
    assert snap.components[BIGQUERY].status == "major_outage"
    assert set(snap.incidents) == {INCIDENT, "second", "third"}


def test_an_empty_array_is_an_empty_snapshot() -> None:
    snap = ADAPTER.parse(b"[]", PAGE)
    assert (snap.components, snap.incidents, snap.complete) == ({}, {}, True)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda r: r.update(updates={"a": 1}), "incidents[0].updates"),
        (lambda r: r.update(id=None), "incidents[0].id"),
        (lambda r: r.update(end="yesterday-ish"), "incidents[0].end"),
        (lambda r: r["updates"][0].update(when=[1]), "incidents[0].updates[0].when"),
        (lambda r: r.update(affected_products=[{"title": "x"}]), "affected_products[0].id"),
    ],
)
def test_a_wrong_type_is_a_parse_error_naming_the_path(change: Any, path: str) -> None:
    rows = capture()
    change(rows[0])
    with pytest.raises(ParseError, match=path.replace("[", r"\[").replace("]", r"\]")):
        parse(rows)


@pytest.mark.parametrize(
    "body", [b"<!DOCTYPE html><title>Just a moment...</title>", b'{"incidents": []}', b"[1]"]
)
def test_a_body_that_is_not_an_incident_array_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        ADAPTER.parse(body, PAGE)


def test_an_open_incident_that_left_the_file_is_closed() -> None:
    found = ADAPTER.resolve(PAGE, ["gone-id"], lambda url: None, NOW)
    assert found["gone-id"].closed and found["gone-id"].updates[-1].at == NOW


def test_the_dashboard_sends_no_webhooks() -> None:
    with pytest.raises(ParseError, match="sends no webhooks"):
        ADAPTER.parse_webhook({"incident": {}}, PAGE)


def test_a_first_poll_of_history_says_nothing_and_a_new_update_says_one_thing() -> None:
    first = diff(PAGE, "gcp", None, ADAPTER.parse(CAPTURE.read_bytes(), PAGE), NOW)
    assert first.events == []  # a closed incident and an operational product: history, not news
    assert first.state.incidents[INCIDENT].closed_at == NOW.isoformat()
    rows = capture()
    rows[0]["updates"].insert(0, update("2023-03-10T15:30:00+00:00", "AVAILABLE", "Postmortem."))
    second = diff(PAGE, "gcp", first.state, parse(rows), NOW)
    assert [(e.kind, e.status, e.body) for e in second.events] == [
        ("incident", "resolved", "Postmortem.")
    ]


def test_a_first_poll_during_an_outage_announces_the_product_and_the_latest_update() -> None:
    rows = reopened()
    first = diff(PAGE, "gcp", None, parse(rows), NOW)
    assert sorted((e.kind, e.status) for e in first.events) == [
        ("component", "major_outage"),
        ("incident", "investigating"),
    ]
    assert {e.product for e in first.events} == {"Google Cloud - Google BigQuery"}
    rows[0]["updates"].insert(0, update("2023-03-10T14:40:00+00:00", "SERVICE_OUTAGE", "More."))
    second = diff(PAGE, "gcp", first.state, parse(rows), NOW)
    assert [(e.kind, e.body) for e in second.events] == [("incident", "More.")]
    assert second.events[0].update_id == (
        "rZvZvSKVdDHyWh4dZJ8D:2023-03-10T14:40:00+00:00:SERVICE_OUTAGE"
    )


SAME_ID = (
    FIXTURES
    / "more"
    / "gcp"
    / "incidents-same-id-three-entries-one-open-checkmk-edited-2022-07-20.json"
)


def test_one_id_listed_three_times_is_read_from_its_open_entry() -> None:
    snap = ADAPTER.parse(SAME_ID.read_bytes(), PAGE)
    (incident,) = snap.incidents.values()
    assert (incident.id, incident.status) == ("mLBHeCxhRia17anXCSX1", "investigating")
    assert incident.component_ids == ("kzGfErQK3HzkFhptoeHH",)
    events = diff(PAGE, "gcp", None, snap, NOW).events
    assert [(e.kind, e.status, e.occurred_at) for e in events] == [
        ("component", "major_outage", at("2022-07-20T13:44:35+00:00")),
        ("incident", "investigating", at("2022-07-20T13:44:35+00:00")),
    ]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_which_same_id_entry_is_read_does_not_depend_on_the_order(order: tuple[int, ...]) -> None:
    rows = json.loads(SAME_ID.read_text(encoding="utf-8"))
    snap = ADAPTER.parse(json.dumps([rows[i] for i in order]).encode(), PAGE)
    assert snap.incidents["mLBHeCxhRia17anXCSX1"].status == "investigating"
    closed = [rows[i] for i in order if "end" in rows[i]]
    latest = ADAPTER.parse(json.dumps(closed).encode(), PAGE).incidents["mLBHeCxhRia17anXCSX1"]
    assert latest.name == "Secret Manager experienced service unavailability in europe-west2"
