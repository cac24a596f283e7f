"""Better Stack index.json: the real Together AI capture, incident variants, and webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.adapters import get_adapter
from monitor.adapters.betterstack import ADAPTER
from monitor.detect import diff
from monitor.errors import ParseError
from monitor.model import Snapshot
from monitor.pages import PageConfig
from tests.paths import FIXTURES

PAGE = PageConfig(
    id="together", name="Together", url="https://status.together.ai", kind="betterstack"
)
CAPTURE = FIXTURES / "betterstack" / "together-index-json-2026-09-04.json"
NOW = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def capture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CAPTURE.read_text(encoding="utf-8"))
    return data


def parse(data: Any) -> Snapshot:
    return ADAPTER.parse(json.dumps(data).encode(), PAGE)


def resource(data: dict[str, Any], resource_id: str) -> dict[str, Any]:
    item: dict[str, Any] = next(i for i in data["included"] if i["id"] == resource_id)
    return item["attributes"]


def report(
    data: dict[str, Any], report_id: str, updates: list[tuple[str, str, str]], **attrs: Any
) -> None:
    """Add a status_report with its status_updates (id, published_at, message), newest first."""
    for uid, published, message in updates:
        data["included"].append(
            {
                "id": uid,
                "type": "status_update",
                "attributes": {"message": message, "published_at": published},
            }
        )
    refs = [{"id": uid, "type": "status_update"} for uid, _, _ in updates]
    data["included"].append(
        {
            "id": report_id,
            "type": "status_report",
            "attributes": {"title": "Elevated errors on Kimi K3", "report_type": "manual", **attrs},
            "relationships": {"status_updates": {"data": refs}},
        }
    )


def outage() -> dict[str, Any]:
    data = capture()
    resource(data, "8978884")["status"] = "downtime"
    report(
        data,
        "950001",
        [("5400001", "2026-09-04T10:00:00.000Z", "We are investigating errors on Kimi K3.")],
        starts_at="2026-09-04T09:55:00.000Z",
        ends_at=None,
        aggregate_state="downtime",
        affected_resources=[{"status_page_resource_id": "8978884", "status": "downtime"}],
    )
    return data


def test_the_adapter_is_registered_and_polls_index_json() -> None:
    assert get_adapter("betterstack") is ADAPTER
    assert ADAPTER.summary_url(PAGE) == "https://status.together.ai/index.json"


def test_the_capture_names_the_page_and_lists_its_22_resources_in_their_sections() -> None:
    snap = ADAPTER.parse(CAPTURE.read_bytes(), PAGE)
    assert (snap.page_name, snap.platform_page_id, snap.complete) == ("Together AI", "197766", True)
    assert len(snap.components) == 22
    assert list(snap.components)[:3] == ["8475065", "8475068", "8604811"]
    website = snap.components["8475065"]
    assert (website.name, website.group_id, website.group_name) == ("Website", "231960", "Website")
    whisper = snap.components["8692046"]
    assert (whisper.name, whisper.group_name) == ("Whisper Large V3", "Inference - Voice")
    assert {c.status for c in snap.components.values()} == {"operational"}
    assert snap.components["8966703"].updated_at == at("2026-09-04T10:17:22.958+00:00")


def test_the_capture_holds_one_completed_maintenance_with_two_updates() -> None:
    maintenance = ADAPTER.parse(CAPTURE.read_bytes(), PAGE).incidents["941865"]
    assert maintenance.name == "Scheduled network maintenance"
    assert (maintenance.status, maintenance.is_maintenance, maintenance.impact) == (
        "completed",
        True,
        "maintenance",
    )
    assert [(u.id, u.status, u.at) for u in maintenance.updates] == [
        ("5324213", "in_progress", at("2026-07-03T04:00:59+00:00")),
        ("5326570", "completed", at("2026-07-03T06:59:00+00:00")),
    ]
    assert maintenance.updates[0].body.startswith(
        "We will be performing scheduled network maintenance on July 2nd, 9 PM – midnight."
    )
    assert maintenance.updates[1].body == "Maintenance ended"
    assert maintenance.url == "https://status.together.ai/incidents/941865"


def test_a_report_keeps_resources_the_page_does_not_show() -> None:
    ids = ADAPTER.parse(CAPTURE.read_bytes(), PAGE).incidents["941865"].component_ids
    assert len(ids) == 8 and ids[0] == "8802370" and "8911095" in ids  # MiniMax M3 is shown


def test_resource_statuses_are_normalized_and_unknown_ones_become_unknown() -> None:
    data = capture()
    for rid, status in (("8475065", "downtime"), ("8475068", "degraded"), ("8604811", "paused")):
        resource(data, rid)["status"] = status
    comps = parse(data).components
    assert [comps[r].status for r in ("8475065", "8475068", "8604811")] == [
        "major_outage",
        "degraded",
        "unknown",
    ]
    assert comps["8604811"].status_raw == "paused"


def test_an_open_incident_reads_investigating_with_its_impact() -> None:
    incident = parse(outage()).incidents["950001"]
    assert (incident.status, incident.impact, incident.is_maintenance) == (
        "investigating",
        "major",
        False,
    )
    assert incident.component_ids == ("8978884",)
    assert [(u.id, u.status) for u in incident.updates] == [("5400001", "investigating")]


def test_the_newest_update_of_a_resolved_incident_resolves_it() -> None:
    data = capture()
    updates = [
        ("5400003", "2026-09-04T10:30:00.000Z", "Kimi K3 is back."),
        ("5400001", "2026-09-04T10:00:00.000Z", "Investigating."),
    ]
    report(
        data, "950001", updates, starts_at="2026-09-04T09:55:00.000Z", aggregate_state="resolved"
    )
    incident = parse(data).incidents["950001"]
    assert incident.status == "resolved" and incident.closed
    assert [(u.id, u.status) for u in incident.updates] == [
        ("5400001", "investigating"),
        ("5400003", "resolved"),
    ]


def test_a_maintenance_announced_before_it_starts_is_scheduled() -> None:
    data = capture()
    report(
        data,
        "950002",
        [("5400010", "2026-09-01T12:00:00.000Z", "Upgrade on Sunday.")],
        report_type="maintenance",
        starts_at="2026-09-06T04:00:00.000Z",
        ends_at="2026-09-06T06:00:00.000Z",
        aggregate_state="operational",
        affected_resources=[],
    )
    maintenance = parse(data).incidents["950002"]
    assert (maintenance.status, [u.status for u in maintenance.updates]) == (
        "scheduled",
        ["scheduled"],
    )


def test_a_report_without_updates_and_with_an_unknown_state() -> None:
    data = capture()
    report(data, "950003", [], starts_at="2026-09-04T09:55:00Z", aggregate_state="exploded")
    incident = parse(data).incidents["950003"]
    assert incident.status == "unknown"
    assert [(u.id, u.at) for u in incident.updates] == [
        ("950003:unknown", at("2026-09-04T09:55:00+00:00"))
    ]


def test_a_page_without_included_items_and_unknown_types_are_read() -> None:
    data = capture()
    data["included"] = [{"id": "1", "type": "status_page_announcement", "attributes": {}}]
    snap = parse(data)
    assert (snap.components, snap.incidents, snap.page_name) == ({}, {}, "Together AI")
    del data["included"]
    assert parse(data).components == {}


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(included={"a": 1}), "included"),
        (lambda d: d["included"][6].pop("attributes"), r"included\[6\].attributes"),
        (lambda d: d["included"][6]["attributes"].update(status=None), r"included\[6\]"),
        (lambda d: d["included"][28]["attributes"].update(published_at="n/a"), r"included\[28\]"),
        (
            lambda d: d["included"][30]["relationships"].update(status_updates="x"),
            r"included\[30\]",
        ),
        (lambda d: d.update(data=[]), "data"),
    ],
)
def test_a_wrong_type_is_a_parse_error_naming_the_path(change: Any, path: str) -> None:
    data = capture()
    change(data)
    with pytest.raises(ParseError, match=path):
        parse(data)


@pytest.mark.parametrize("body", [b"<!doctype html><html></html>", b"null", b"[]"])
def test_a_body_that_is_not_the_status_page_document_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        ADAPTER.parse(body, PAGE)


def test_an_open_report_that_left_index_json_is_closed() -> None:
    assert ADAPTER.resolve(PAGE, ["950001"], lambda url: None, NOW)["950001"].closed


def test_an_incident_webhook_from_the_docs_is_a_partial_snapshot() -> None:
    payload = {
        "event_type": "incident",
        "page": {"id": "12345", "status_indicator": "downtime"},
        "incident": {
            "id": "98765",
            "name": "Database Connection Issues",
            "created_at": "2024-01-15T10:30:00Z",
            "updated_at": "2024-01-15T11:45:00Z",
            "shortlink": "https://status.example.com/incidents/98765",
            "incident_updates": [
                {
                    "id": "11111",
                    "body": "We've identified the issue",
                    "created_at": "2024-01-15T11:45:00Z",
                },
                {
                    "id": "11110",
                    "body": "We're investigating",
                    "created_at": "2024-01-15T10:30:00Z",
                },
            ],
        },
    }
    snap = ADAPTER.parse_webhook(payload, PAGE)
    assert snap.complete is False and snap.components == {}
    incident = snap.incidents["98765"]
    assert (incident.name, incident.status, incident.url) == (
        "Database Connection Issues",
        "investigating",
        "https://status.example.com/incidents/98765",
    )
    assert [u.id for u in incident.updates] == ["11110", "11111"]


def test_a_maintenance_webhook_is_phased_by_its_window() -> None:
    payload = {
        "event_type": "maintenance",
        "maintenance": {
            "id": "87654",
            "name": "Scheduled Database Upgrade",
            "starts_at": "2024-01-15T02:00:00Z",
            "ends_at": "2024-01-15T04:00:00Z",
            "maintenance_updates": [
                {"id": "22223", "body": "Done", "created_at": "2024-01-15T04:00:00Z"},
                {"id": "22222", "body": "Tonight", "created_at": "2024-01-14T09:00:00Z"},
            ],
        },
    }
    maintenance = ADAPTER.parse_webhook(payload, PAGE).incidents["87654"]
    assert maintenance.is_maintenance and maintenance.status == "completed"
    assert [(u.id, u.status) for u in maintenance.updates] == [
        ("22222", "scheduled"),
        ("22223", "completed"),
    ]


def test_a_component_webhook_and_an_unknown_one() -> None:
    payload = {
        "component_update": {"new_status": "downtime", "created_at": "2024-01-15T10:30:00Z"},
        "component": {"id": "8978884", "name": "Kimi K3", "status": "downtime"},
    }
    comp = ADAPTER.parse_webhook(payload, PAGE).components["8978884"]
    assert (comp.status, comp.updated_at) == ("major_outage", at("2024-01-15T10:30:00+00:00"))
    with pytest.raises(ParseError, match="not a Better Stack webhook"):
        ADAPTER.parse_webhook({"meta": {}}, PAGE)
    with pytest.raises(ParseError, match=r"incident.incident_updates\[0\].id"):
        ADAPTER.parse_webhook({"incident": {"id": "1", "incident_updates": [{}]}}, PAGE)


def test_a_first_poll_of_the_capture_is_silent_and_a_new_update_is_one_event() -> None:
    first = diff(PAGE, "betterstack", None, ADAPTER.parse(CAPTURE.read_bytes(), PAGE), NOW)
    assert first.events == []  # all operational, the maintenance long completed
    second = diff(PAGE, "betterstack", first.state, parse(outage()), NOW)
    assert sorted((e.kind, e.status, e.product) for e in second.events) == [
        ("component", "major_outage", "Together Inference - Chat - Kimi K3"),
        ("incident", "investigating", "Together Inference - Chat - Kimi K3"),
    ]
    data = outage()
    update = ("5400002", "2026-09-04T10:20:00.000Z", "A fix is rolling out.")
    data["included"].insert(0, {"id": update[0], "type": "status_update", "attributes": {}})
    data["included"][0]["attributes"] = {"message": update[2], "published_at": update[1]}
    data["included"][-1]["relationships"]["status_updates"]["data"].insert(
        0, {"id": "5400002", "type": "status_update"}
    )
    third = diff(PAGE, "betterstack", second.state, parse(data), NOW)
    assert [(e.update_id, e.body) for e in third.events] == [("5400002", "A fix is rolling out.")]


def test_a_first_poll_during_an_outage_announces_the_resource_and_the_report() -> None:
    first = diff(PAGE, "betterstack", None, parse(outage()), NOW)
    assert sorted((e.kind, e.status) for e in first.events) == [
        ("component", "major_outage"),
        ("incident", "investigating"),
    ]
