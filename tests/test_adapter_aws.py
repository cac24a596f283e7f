"""AWS Health currentevents: the real 2026 capture, its UTF-16 transport, and drifting shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.adapters import get_adapter
from monitor.adapters.aws import ADAPTER
from monitor.detect import diff
from monitor.errors import ParseError
from monitor.model import Snapshot
from monitor.pages import PageConfig
from tests.paths import FIXTURES

PAGE = PageConfig(
    id="aws", name="AWS", url="https://health.aws.amazon.com/health/status", kind="aws"
)
CAPTURE = FIXTURES / "aws" / "health-currentevents-2026.json"
EVENT = "arn:aws:health:{}::event/MULTIPLE_SERVICES/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/"
OREGON = EVENT.format("us-west-2") + "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_926DB_F0036494EA4"
UAE = EVENT.format("me-central-1") + "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_5E6B8_EF2498889B5"
BAHRAIN = EVENT.format("me-south-1") + "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_E6426_01AD72B4E1E"
NOW = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def capture() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(CAPTURE.read_text(encoding="utf-8"))
    return rows


def as_served(rows: Any) -> bytes:
    """How AWS sends it: UTF-16 big-endian with the BOM FE FF."""
    return b"\xfe\xff" + json.dumps(rows, ensure_ascii=False).encode("utf-16-be")


def parse(rows: Any) -> Snapshot:
    return ADAPTER.parse(as_served(rows), PAGE)


def test_the_adapter_is_registered_and_polls_currentevents() -> None:
    assert get_adapter("aws") is ADAPTER
    assert ADAPTER.summary_url(PAGE) == "https://health.aws.amazon.com/public/currentevents"


def test_the_capture_reencoded_as_utf16_with_a_bom_reads_like_the_utf8_file() -> None:
    served = b"\xfe\xff" + CAPTURE.read_text(encoding="utf-8").encode("utf-16-be")
    assert served[:2] == b"\xfe\xff" and served[2:4] == b"\x00["
    assert ADAPTER.parse(served, PAGE) == ADAPTER.parse(CAPTURE.read_bytes(), PAGE)
    little = b"\xff\xfe" + CAPTURE.read_text(encoding="utf-8").encode("utf-16-le")
    assert ADAPTER.parse(little, PAGE) == ADAPTER.parse(CAPTURE.read_bytes(), PAGE)


def test_the_capture_holds_one_resolved_and_two_open_events() -> None:
    snap = parse(capture())
    assert list(snap.incidents) == [OREGON, UAE, BAHRAIN]
    assert [(i.status, i.impact) for i in snap.incidents.values()] == [
        ("resolved", "none"),  # its services peaked at "1", informational
        ("investigating", "major"),
        ("investigating", "major"),
    ]
    assert snap.incidents[OREGON].name == "Increased API Error Rates"  # "[RESOLVED] " dropped
    assert snap.incidents[BAHRAIN].name == "Increased Error Rates"


def test_a_resolved_event_logs_its_update_then_a_closing_one_at_end_time() -> None:
    updates = parse(capture()).incidents[OREGON].updates
    assert [(u.id, u.status, u.at) for u in updates] == [
        (f"{OREGON}:1788472198:1", "investigating", at("2026-09-03T21:49:58+00:00")),
        (f"{OREGON}:end", "resolved", at("2026-09-04T00:07:54+00:00")),
    ]
    assert updates[0].body.startswith("Starting at 2:12 PM PDT, we began experiencing")
    assert updates[1].body == "[RESOLVED] Increased API Error Rates"


def test_an_open_event_has_its_one_logged_update() -> None:
    incident = parse(capture()).incidents[UAE]
    assert [(u.id, u.status, u.at, u.body) for u in incident.updates] == [
        (
            f"{UAE}:1772369485:1",
            "investigating",
            at("2026-03-01T12:51:25+00:00"),
            "We are investigating issues with AWS services in the ME-CENTRAL-1 Region.",
        )
    ]
    assert incident.component_ids == (
        "signin-me-central-1",
        "sts-me-central-1",
        "bedrock-me-central-1",
    )


def test_impacted_services_are_components_keyed_by_service_and_region() -> None:
    comps = parse(capture()).components
    assert sorted(comps) == [
        "bedrock-me-central-1",
        "bedrock-me-south-1",
        "signin-me-central-1",
        "signin-me-south-1",
        "signin-us-west-2",
        "sts-me-central-1",
        "sts-me-south-1",
        "sts-us-west-2",
    ]
    bedrock = comps["bedrock-me-south-1"]
    assert (bedrock.name, bedrock.status, bedrock.status_raw) == (
        "Amazon Bedrock",
        "partial_outage",
        "3",
    )
    assert (bedrock.group_id, bedrock.group_name) == ("me-south-1", "Bahrain")
    assert bedrock.updated_at == at("2026-03-02T05:56:27+00:00")
    sts = comps["sts-us-west-2"]
    assert (sts.status, sts.status_raw, sts.group_name) == ("operational", "0", "Oregon")


def test_an_unknown_status_value_becomes_unknown() -> None:
    rows = capture()[1:2]
    rows[0]["status"] = "7"
    rows[0]["event_log"][0]["status"] = 7
    rows[0]["impacted_services"]["bedrock-me-central-1"]["current"] = "9"
    snap = parse(rows)
    assert snap.incidents[UAE].updates[0].status == "unknown"
    assert snap.components["bedrock-me-central-1"].status == "unknown"


def test_an_event_without_log_or_services_is_its_own_update_and_names_no_component() -> None:
    rows = capture()[2:3]
    del rows[0]["event_log"], rows[0]["impacted_services"]
    snap = parse(rows)
    assert snap.components == {}
    (only,) = snap.incidents[BAHRAIN].updates
    assert (only.id, only.at) == (f"{BAHRAIN}:1772430987:3", at("2026-03-02T05:56:27+00:00"))


def test_a_resolved_status_without_end_time_closes_at_its_last_update() -> None:
    rows = capture()[1:2]
    rows[0]["status"] = "0"
    updates = parse(rows).incidents[UAE].updates
    assert [(u.id, u.status, u.at) for u in updates][-1] == (
        f"{UAE}:end",
        "resolved",
        at("2026-03-01T12:51:25+00:00"),
    )


def test_a_resolved_log_entry_needs_no_closing_update() -> None:
    rows = capture()[0:1]
    rows[0]["event_log"].append(
        {"summary": "s", "message": "Recovered.", "status": 0, "timestamp": 1788480474}
    )
    updates = parse(rows).incidents[OREGON].updates
    assert [u.id for u in updates] == [f"{OREGON}:1788472198:1", f"{OREGON}:1788480474:0"]


def test_an_empty_array_is_an_empty_snapshot() -> None:
    assert parse([]) == Snapshot(page_name="AWS")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda e: e.update(impacted_services=["ec2"]), r"currentevents\[0\].impacted_services"),
        (lambda e: e.update(event_log={"a": 1}), r"currentevents\[0\].event_log"),
        (lambda e: e["event_log"][0].update(timestamp="soon"), r"event_log\[0\].timestamp"),
        (lambda e: e.update(arn=["x"]), r"currentevents\[0\].arn"),
        (lambda e: e.update(end_time=True), r"currentevents\[0\].end_time"),
    ],
)
def test_a_wrong_type_is_a_parse_error_naming_the_path(change: Any, path: str) -> None:
    rows = capture()
    change(rows[0])
    with pytest.raises(ParseError, match=path):
        parse(rows)


@pytest.mark.parametrize("body", [b"<html><body>Access denied</body></html>", b"[", b'{"a": 1}'])
def test_a_body_that_is_not_an_event_array_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        ADAPTER.parse(body, PAGE)


def test_an_open_event_that_left_currentevents_is_closed() -> None:
    found = ADAPTER.resolve(PAGE, [UAE], lambda url: None, NOW)
    assert found[UAE].closed


def test_the_public_dashboard_sends_no_webhooks() -> None:
    with pytest.raises(ParseError, match="sends no public webhooks"):
        ADAPTER.parse_webhook({}, PAGE)


def test_a_first_poll_announces_the_disrupted_services_and_each_open_event_once() -> None:
    rows = capture()
    first = diff(PAGE, "aws", None, parse(rows), NOW)
    kinds = sorted((e.kind, e.status) for e in first.events)
    assert kinds == [("component", "partial_outage")] * 6 + [("incident", "investigating")] * 2
    products = {e.product for e in first.events if e.kind == "component"}
    assert "AWS Bahrain - Amazon Bedrock" in products
    rows[1]["event_log"].append(
        {"summary": "s", "message": "Still working on it.", "status": 3, "timestamp": 1772400000}
    )
    second = diff(PAGE, "aws", first.state, parse(rows), NOW)
    assert [(e.incident_id, e.body) for e in second.events] == [(UAE, "Still working on it.")]


NO_ARN = FIXTURES / "more" / "aws" / "currentevents-resolved-no-arn-int-log-status-2023-03-13.json"


def test_a_real_event_without_arn_is_keyed_by_service_and_date_and_read_as_resolved() -> None:
    snap = ADAPTER.parse(NO_ARN.read_bytes(), PAGE)
    (incident,) = snap.incidents.values()
    assert incident.id == "internetconnectivity-us-west-2_1678726651"
    assert (incident.name, incident.status) == (
        "Internet Connectivity in the US-WEST-2 Region",
        "resolved",
    )
    assert incident.updates[0].id == "internetconnectivity-us-west-2_1678726651:1678726620:1"
    assert {c.id: c.status for c in snap.components.values()} == {
        "elb-us-west-2": "operational",
        "natgateway-us-west-2": "operational",
        "ec2-us-west-2": "operational",
    }
    assert diff(PAGE, "aws", None, snap, NOW).events == []


def test_an_open_event_without_arn_is_announced_and_its_id_holds_across_polls() -> None:
    rows = json.loads(NO_ARN.read_text(encoding="utf-8"))
    del rows[0]["end_time"]
    rows[0]["status"] = "3"
    rows[0]["summary"] = "Internet Connectivity in the US-WEST-2 Region"
    rows[0]["event_log"][0]["status"] = 3
    rows[0]["impacted_services"]["ec2-us-west-2"]["current"] = "3"
    first = diff(PAGE, "aws", None, parse(rows), NOW)
    assert [(e.kind, e.status, e.incident_id) for e in first.events] == [
        ("component", "partial_outage", None),
        ("incident", "investigating", "internetconnectivity-us-west-2_1678726651"),
    ]
    assert diff(PAGE, "aws", first.state, parse(rows), NOW).events == []


def test_an_event_with_neither_arn_nor_service_and_date_is_a_parse_error_naming_it() -> None:
    rows = json.loads(NO_ARN.read_text(encoding="utf-8"))
    del rows[0]["service"]
    with pytest.raises(ParseError, match=r"currentevents\[0\]: no 'arn', and no 'service'"):
        parse(rows)
