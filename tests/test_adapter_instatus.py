"""Instatus: the real Perplexity components.json, summary.json as documented, and webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.adapters import get_adapter
from monitor.adapters.instatus import ADAPTER
from monitor.detect import diff
from monitor.errors import ParseError
from monitor.model import Snapshot
from monitor.pages import PageConfig
from tests.paths import FIXTURES

PAGE = PageConfig(
    id="perplexity", name="Perplexity", url="https://status.perplexity.com", kind="instatus"
)
CAPTURE = FIXTURES / "instatus" / "perplexity-v2-components.json"
COMPONENTS_URL = "https://status.perplexity.com/v2/components.json"
SUMMARY_URL = "https://status.perplexity.com/summary.json"
API = "clyiakn7i60113hvojwho6za6j"
NOW = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)
# The example of https://instatus.com/help/api/public-data: no ids, JavaScript date strings.
DOCS_SUMMARY: dict[str, Any] = {
    "page": {"name": "Instatus", "url": "https://instat.us", "status": "HASISSUES"},
    "activeIncidents": [
        {
            "name": "We're facing an issue with our API",
            "started": "Sat Jun 11 2022 18:55:50 GMT+0000 (Coordinated Universal Time)",
            "status": "INVESTIGATING",
            "impact": "MAJOROUTAGE",
            "url": "https://testing-widget.instatus.com/incident/cl4a8n3070721qtmzvts760c4",
        }
    ],
    "activeMaintenances": [
        {
            "name": "Database maintenance",
            "start": "Sat Jun 11 2022 18:55:54 GMT+0000 (Coordinated Universal Time)",
            "status": "NOTSTARTEDYET",
            "duration": "60",
            "url": "https://testing-widget.instatus.com/maintenance/cl4a8nlv50918qtmzdlw60ivu",
        }
    ],
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def summary(*incidents: dict[str, Any], status: str = "HASISSUES") -> bytes:
    page = {"name": "Perplexity", "url": "https://status.perplexity.com", "status": status}
    return json.dumps({"page": page, "activeIncidents": list(incidents)}).encode()


def api_incident(
    status: str = "INVESTIGATING", updated: str = "2026-09-04T10:00:00.000Z"
) -> dict[str, Any]:
    return {
        "id": "cmf0incident0001",
        "name": "Elevated API errors",
        "started": "2026-09-04T09:58:00.000Z",
        "status": status,
        "impact": "PARTIALOUTAGE",
        "url": "https://status.perplexity.com/incident/cmf0incident0001",
        "updatedAt": updated,
    }


def components(**statuses: str) -> bytes:
    data = json.loads(CAPTURE.read_text(encoding="utf-8"))
    for row in data["components"]:
        row["status"] = statuses.get(row["name"], row["status"])
    return json.dumps(data).encode()


def poll(components_body: bytes, summary_body: bytes) -> Snapshot:
    return ADAPTER.parse_many({COMPONENTS_URL: components_body, SUMMARY_URL: summary_body}, PAGE)


def test_the_adapter_is_registered_and_reads_two_urls() -> None:
    assert get_adapter("instatus") is ADAPTER
    assert ADAPTER.summary_url(PAGE) == COMPONENTS_URL
    assert ADAPTER.extra_urls(PAGE) == [SUMMARY_URL]


def test_the_perplexity_capture_is_three_operational_ungrouped_components() -> None:
    snap = ADAPTER.parse(CAPTURE.read_bytes(), PAGE)
    assert (snap.page_name, snap.complete, snap.incidents) == ("Perplexity", True, {})
    assert [
        (c.id, c.name, c.status, c.status_raw, c.group_id) for c in snap.components.values()
    ] == [
        ("clyi6jhgg31469ihojbwbsmeeg", "Website", "operational", "OPERATIONAL", None),
        (API, "API", "operational", "OPERATIONAL", None),
        ("cmr18ih7201l20rqmap66bx4l", "Computer", "operational", "OPERATIONAL", None),
    ]


def test_upper_case_statuses_are_normalized_and_unknown_ones_become_unknown() -> None:
    snap = ADAPTER.parse(
        components(Website="MINOROUTAGE", API="majoroutage", Computer="ONFIRE"), PAGE
    )
    assert [c.status for c in snap.components.values()] == [
        "partial_outage",
        "major_outage",
        "unknown",
    ]
    assert snap.components["cmr18ih7201l20rqmap66bx4l"].status_raw == "ONFIRE"


def test_a_grouped_component_names_its_group() -> None:
    body = b'{"components": [{"id": "c1", "name": "Search", "status": "DEGRADEDPERFORMANCE",'
    body += b' "group": {"id": "g1", "name": "Core", "description": ""}}]}'
    comp = ADAPTER.parse(body, PAGE).components["c1"]
    assert (comp.status, comp.group_id, comp.group_name) == ("degraded", "g1", "Core")


def test_the_documented_summary_takes_ids_from_urls_and_reads_javascript_dates() -> None:
    snap = ADAPTER.parse(json.dumps(DOCS_SUMMARY).encode(), PAGE)
    assert (snap.page_name, snap.complete, snap.components) == ("Instatus", False, {})
    incident = snap.incidents["cl4a8n3070721qtmzvts760c4"]
    assert (incident.status, incident.impact, incident.is_maintenance) == (
        "investigating",
        "critical",
        False,
    )
    assert [(u.id, u.status, u.at) for u in incident.updates] == [
        (
            "cl4a8n3070721qtmzvts760c4:2022-06-11T18:55:50+00:00:investigating",
            "investigating",
            at("2022-06-11T18:55:50+00:00"),
        )
    ]
    maintenance = snap.incidents["cl4a8nlv50918qtmzdlw60ivu"]
    assert (maintenance.status, maintenance.impact, maintenance.is_maintenance) == (
        "scheduled",
        "maintenance",
        True,
    )


def test_a_javascript_date_east_of_utc_is_not_read_posix_style() -> None:
    raw: dict[str, Any] = dict(DOCS_SUMMARY["activeIncidents"][0])
    raw["started"] = "Sat Jun 11 2022 18:55:50 GMT+0200 (Central European Summer Time)"
    (incident,) = ADAPTER.parse(summary(raw), PAGE).incidents.values()
    assert incident.updates[0].at == at("2022-06-11T16:55:50+00:00")


def test_a_current_summary_keys_its_update_on_updated_at_and_phase() -> None:
    incident = ADAPTER.parse(summary(api_incident()), PAGE).incidents["cmf0incident0001"]
    assert (incident.status, incident.impact) == ("investigating", "major")
    assert [u.id for u in incident.updates] == [
        "cmf0incident0001:2026-09-04T10:00:00+00:00:investigating"
    ]
    assert incident.url == "https://status.perplexity.com/incident/cmf0incident0001"


def test_both_files_make_one_complete_snapshot() -> None:
    snap = poll(components(API="PARTIALOUTAGE"), summary(api_incident()))
    assert (snap.page_name, snap.complete) == ("Perplexity", True)
    assert snap.components[API].status == "partial_outage"
    assert list(snap.incidents) == ["cmf0incident0001"]


def test_an_unknown_incident_status_becomes_unknown() -> None:
    found = ADAPTER.parse(summary(api_incident(status="PAUSED")), PAGE).incidents
    assert found["cmf0incident0001"].status == "unknown"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b'{"components": {"id": 1}}', "components"),
        (b'{"components": [{"name": "x", "status": "OPERATIONAL"}]}', r"components\[0\].id"),
        (b'{"components": [{"id": "x", "name": "x", "status": 3.5}]}', r"components\[0\].status"),
        (b'{"page": {"name": "p"}, "activeIncidents": {}}', "activeIncidents"),
        (summary({"name": "n", "status": "INVESTIGATING"}), r"activeIncidents\[0\]: neither"),
        (summary(api_incident() | {"started": "soon"}), r"activeIncidents\[0\].started"),
        (b'{"page": [], "activeIncidents": []}', "summary.page"),
    ],
)
def test_a_wrong_type_is_a_parse_error_naming_the_path(body: bytes, path: str) -> None:
    with pytest.raises(ParseError, match=path):
        ADAPTER.parse(body, PAGE)


@pytest.mark.parametrize(
    "body", [b"<html><body>Instatus</body></html>", b'{"status": "UP"}', b"[]"]
)
def test_a_body_that_is_neither_file_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        ADAPTER.parse(body, PAGE)


def test_resolve_keeps_what_summary_json_still_lists_and_closes_the_rest() -> None:
    asked: list[str] = []

    def get(url: str) -> bytes:
        asked.append(url)
        return summary(api_incident())

    found = ADAPTER.resolve(PAGE, ["cmf0incident0001", "gone1"], get, NOW)
    assert asked == [SUMMARY_URL]
    assert found["cmf0incident0001"].status == "investigating"
    assert found["gone1"].closed and found["gone1"].updates[-1].at == NOW
    assert ADAPTER.resolve(PAGE, ["x"], lambda url: None, NOW)["x"].closed


def test_an_incident_webhook_in_the_statuspage_shape_is_read_with_lower_case_phases() -> None:
    payload = {
        "meta": {"unsubscribe": "", "documentation": ""},
        "page": {"id": "perplexity", "status_indicator": "HASISSUES", "status_description": ""},
        "incident": {
            "backfilled": False,
            "created_at": "2026-09-04T09:58:00.000Z",
            "impact": "MAJOROUTAGE",
            "name": "Elevated API errors",
            "resolved_at": None,
            "status": "IDENTIFIED",
            "updated_at": "2026-09-04T10:20:00.000Z",
            "id": "cmf0incident0001",
            "url": "https://status.perplexity.com/incident/cmf0incident0001",
            "incident_updates": [
                {
                    "id": "u2",
                    "body": "Found it.",
                    "status": "IDENTIFIED",
                    "created_at": "2026-09-04T10:20:00.000Z",
                },
                {
                    "id": "u1",
                    "body": "Looking.",
                    "status": "INVESTIGATING",
                    "created_at": "2026-09-04T09:58:00.000Z",
                },
            ],
        },
    }
    snap = ADAPTER.parse_webhook(payload, PAGE)
    incident = snap.incidents["cmf0incident0001"]
    assert (snap.complete, incident.status, incident.impact) == (False, "identified", "critical")
    assert [(u.id, u.status, u.body) for u in incident.updates] == [
        ("u1", "investigating", "Looking."),
        ("u2", "identified", "Found it."),
    ]
    assert incident.url == "https://status.perplexity.com/incident/cmf0incident0001"


def test_a_maintenance_and_a_component_webhook_are_read() -> None:
    maintenance = {
        "id": "m1",
        "name": "Database upgrade",
        "status": "INPROGRESS",
        "impact": "UNDERMAINTENANCE",
        "duration": "60",
        "maintenance_updates": [
            {
                "id": "mu1",
                "body": "Started.",
                "status": "INPROGRESS",
                "created_at": "2026-09-04T02:00:00Z",
            }
        ],
    }
    found = ADAPTER.parse_webhook({"maintenance": maintenance}, PAGE).incidents["m1"]
    assert (found.is_maintenance, found.status, [u.status for u in found.updates]) == (
        True,
        "in_progress",
        ["in_progress"],
    )
    change = {
        "created_at": "2026-09-04T10:00:00Z",
        "new_status": "MAJOROUTAGE",
        "component_id": API,
    }
    payload = {
        "component_update": change,
        "component": {"id": API, "name": "API", "status": "MAJOROUTAGE"},
    }
    comp = ADAPTER.parse_webhook(payload, PAGE).components[API]
    assert (comp.status, comp.status_raw, comp.updated_at) == (
        "major_outage",
        "MAJOROUTAGE",
        at("2026-09-04T10:00:00+00:00"),
    )
    with pytest.raises(ParseError, match="not an Instatus webhook"):
        ADAPTER.parse_webhook({"meta": {}}, PAGE)


def test_a_first_poll_announces_the_outage_and_the_incident_then_one_event_per_change() -> None:
    first = diff(
        PAGE, "instatus", None, poll(components(API="PARTIALOUTAGE"), summary(api_incident())), NOW
    )
    assert sorted((e.kind, e.status, e.product) for e in first.events) == [
        ("component", "partial_outage", "Perplexity - API"),
        ("incident", "investigating", "Perplexity - Elevated API errors"),
    ]
    later = api_incident("MONITORING", "2026-09-04T10:30:00.000Z")
    second = diff(
        PAGE, "instatus", first.state, poll(components(API="PARTIALOUTAGE"), summary(later)), NOW
    )
    assert [(e.kind, e.status) for e in second.events] == [("incident", "monitoring")]
