"""A view older than the page's state changes nothing (monitor.ordering), read from the real
Statuspage webhook captures through the real adapter and the real detector."""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.adapters import get_adapter
from monitor.detect import diff
from monitor.model import Snapshot, gone
from monitor.pages import PageConfig
from monitor.state import PageState
from tests.support.scenarios import load

PAGE = PageConfig("zulip", "Zulip", "https://status.example.com", "statuspage")
COMPONENT = "sqm6pl84wzjc"  # the capture's "Database component"
INCIDENT = "z3lct0r596n4"  # the capture's "Database query delays"
NOW = datetime(2017, 12, 26, 12, tzinfo=UTC)


def component(status: str, updated_at: Any = "2017-12-26T08:00:00.000Z") -> Snapshot:
    """The real component webhook with the component `status` as of `updated_at`."""
    payload = copy.deepcopy(load("statuspage/webhook-component-update-zulip.json"))
    payload["component"].update(status=status, updated_at=updated_at)
    payload["component_update"].update(new_status=status, created_at=updated_at)
    return get_adapter("statuspage").parse_webhook(payload, PAGE)


def incident(*updates: tuple[str, str, str], updated_at: Any = None) -> Snapshot:
    """The real incident webhook with `updates` (id, status, HH:MM), oldest first; its
    `updated_at` the latest update's, unless given."""
    payload = copy.deepcopy(load("statuspage/webhook-incident-created-zulip.json"))
    inc = payload["incident"]
    [shape] = inc["incident_updates"]
    rows = []
    for uid, status, hhmm in updates:
        stamp = f"2017-12-26T{hhmm}:00.000Z"
        rows.append(
            {**shape, "id": uid, "status": status, "created_at": stamp, "display_at": stamp}
        )
    inc.update(incident_updates=rows[::-1], status=updates[-1][1], components=[])
    inc["updated_at"] = updated_at or f"2017-12-26T{updates[-1][2]}:00.000Z"
    return get_adapter("statuspage").parse_webhook(payload, PAGE)


def apply(*views: Snapshot, state: PageState | None = None, now: datetime = NOW) -> Any:
    """Each view diffed in turn against the state the one before left: (state, each's events)."""
    printed = []
    for view in views:
        result = diff(PAGE, "statuspage", state, view, now, "webhook")
        state = result.state
        printed.append([(e.status, e.update_id) for e in result.events])
    return state, printed


def test_a_component_webhook_older_than_the_state_prints_nothing_and_changes_nothing() -> None:
    newer = component("operational", "2017-12-26T08:10:00Z")
    older = component("partial_outage", "2017-12-26T08:05:00Z")
    state, printed = apply(component("major_outage", "2017-12-26T08:00:00Z"), newer, older)
    assert printed == [[("major_outage", None)], [("operational", None)], []]
    assert state.components[COMPONENT].status == "operational"
    assert state.components[COMPONENT].as_of == "2017-12-26T08:10:00+00:00"


def test_webhooks_in_order_are_each_printed() -> None:
    _, printed = apply(
        component("partial_outage", "2017-12-26T08:05:00Z"),
        component("operational", "2017-12-26T08:10:00Z"),
        component("major_outage", "2017-12-26T08:20:00Z"),
    )
    assert printed == [
        [("partial_outage", None)],
        [("operational", None)],
        [("major_outage", None)],
    ]


def test_a_view_with_the_same_stamp_is_applied_the_last_to_arrive_winning() -> None:
    state, printed = apply(
        component("partial_outage", "2017-12-26T08:05:00Z"),
        component("major_outage", "2017-12-26T08:05:00Z"),
    )
    assert printed[1] == [("major_outage", None)]
    assert state.components[COMPONENT].status == "major_outage"


@pytest.mark.parametrize("missing", [None, "", "soon", "2017-13-45T99:00:00Z", 1514275149])
def test_a_webhook_with_a_missing_or_unreadable_stamp_is_applied_not_refused(
    missing: Any,
) -> None:
    state, printed = apply(
        component("partial_outage", "2017-12-26T08:05:00Z"), component("operational", missing)
    )
    assert printed[1] == [("operational", None)]  # no ParseError, no update lost
    assert state.components[COMPONENT].status == "operational"


def test_a_view_without_a_stamp_leaves_the_newest_stamp_the_state_had() -> None:
    state, printed = apply(
        component("partial_outage", "2017-12-26T08:05:00Z"),
        component("operational", None),
        component("partial_outage", "2017-12-26T08:01:00Z"),  # older than 08:05: still stale
    )
    assert printed[2] == []
    assert state.components[COMPONENT].as_of == "2017-12-26T08:05:00+00:00"


def test_a_state_saved_before_stamps_were_kept_loads_and_accepts_any_view() -> None:
    saved = (
        '{"platform": "statuspage", "components": {"sqm6pl84wzjc": {"status": "major_outage",'
        ' "status_raw": "major_outage", "name": "Database component"}}, "baselined": true}'
    )
    state, printed = apply(
        component("operational", "2017-12-26T08:05:00Z"), state=PageState.from_json(saved)
    )
    assert printed == [[("operational", None)]]
    assert state.components[COMPONENT].as_of == "2017-12-26T08:05:00+00:00"


def test_a_stamp_far_ahead_of_our_clock_does_not_freeze_the_component() -> None:
    future = (NOW + timedelta(days=1)).isoformat()
    state, printed = apply(
        component("major_outage", future), component("operational", "2017-12-26T11:00:00Z")
    )
    assert printed[1] == [("operational", None)]
    assert state.components[COMPONENT].as_of == "2017-12-26T11:00:00+00:00"


def test_an_older_incident_webhook_never_reopens_a_resolved_incident() -> None:
    opened = incident(("u1", "investigating", "09:00"))
    resolved = incident(("u1", "investigating", "09:00"), ("u2", "resolved", "09:30"))
    state, printed = apply(opened, resolved, opened)
    assert printed == [[("investigating", "u1")], [("resolved", "u2")], []]
    assert state.incidents[INCIDENT].status == "resolved"
    assert state.open_incident_ids() == []


def test_an_incident_view_missing_an_update_we_applied_is_older_even_without_updated_at() -> None:
    opened = incident(("u1", "investigating", "09:00"), updated_at="garbage")
    resolved = incident(("u1", "investigating", "09:00"), ("u2", "resolved", "09:30"))
    state, printed = apply(resolved, opened)
    assert printed[1] == []
    assert state.incidents[INCIDENT].status == "resolved"


def test_a_stale_incident_view_still_prints_an_update_never_printed_once() -> None:
    opened = incident(("u1", "investigating", "09:00"))
    resolved = incident(("u1", "investigating", "09:00"), ("u3", "resolved", "09:30"))
    late = incident(("u1", "investigating", "09:00"), ("u2", "identified", "09:10"))
    state, printed = apply(opened, resolved, late, late)
    assert printed[1:] == [[("resolved", "u3")], [("identified", "u2")], []]
    assert state.incidents[INCIDENT].status == "resolved"


def test_an_incident_closed_as_gone_is_not_reopened_by_a_late_webhook() -> None:
    opened = incident(("u1", "investigating", "09:00"))
    closed = Snapshot("Zulip", incidents={INCIDENT: gone(INCIDENT, NOW, "No longer listed.")})
    state, printed = apply(opened, closed, opened)
    assert printed[2] == []
    assert state.incidents[INCIDENT].closed_at is not None


def test_a_refused_view_is_one_info_line_naming_the_page_and_the_object(
    caplog: pytest.LogCaptureFixture,
) -> None:
    newer = component("operational", "2017-12-26T08:10:00Z")
    older = component("partial_outage", "2017-12-26T08:05:00Z")
    with caplog.at_level(logging.DEBUG, logger="statusmon.ordering"):
        apply(newer, older)
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert f"page zulip: component {COMPONENT}" in record.getMessage()
    assert "08:05:00" in record.getMessage() and "08:10:00" in record.getMessage()
