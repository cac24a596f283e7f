"""Each routing rule of a channel, read from pages.yaml's syntax."""

from __future__ import annotations

from typing import Any

from monitor.model import ComponentRef
from monitor.routing import Route, parse_route, severity
from monitor.state import ComponentState, IncidentState, PageState
from tests.test_channel_types import component, incident

API = [ComponentRef("c1", "Chat Completions", "g1", "APIs")]
LABS = [ComponentRef("c9", "Labs Playground", None, None)]


def route(**raw: Any) -> Route:
    problems: list[str] = []
    found = parse_route(raw, problems)
    assert problems == []
    return found


def test_no_rules_take_every_change() -> None:
    assert route().wants(incident(), API, "unknown")
    assert route().wants(component("degraded", "operational"), API, "degraded")


def test_pages_take_ids_and_patterns() -> None:
    assert route(pages=["gh"]).wants(incident(), API, "unknown")
    assert route(pages=["g*"]).wants(incident(), API, "unknown")
    assert not route(pages=["openai", "x*"]).wants(incident(), API, "unknown")


def test_components_include_and_exclude_read_like_page_filters() -> None:
    only_apis = route(components={"include": ["APIs/*"]})
    assert only_apis.wants(incident(), API, "unknown")
    assert not only_apis.wants(incident(), LABS, "unknown")
    no_labs = route(components={"exclude": ["*Labs*"]})
    assert no_labs.wants(incident(), API, "unknown") and not no_labs.wants(
        incident(), LABS, "unknown"
    )


def test_min_severity_keeps_what_reaches_the_floor() -> None:
    major = route(min_severity="partial_outage")
    assert not major.wants(component("degraded", "operational"), API, "degraded")
    assert major.wants(component("major_outage", "degraded"), API, "major_outage")
    assert not major.wants(incident(), API, "degraded")
    assert major.wants(incident(), API, "partial_outage")
    assert major.wants(incident(), API, "unknown")  # as in page filters: it may be anything


def test_kinds_pick_incidents_components_or_maintenance() -> None:
    only_incidents = route(kinds=["incident"])
    assert only_incidents.wants(incident(), API, "unknown")
    assert not only_incidents.wants(component("degraded", "operational"), API, "degraded")
    assert not only_incidents.wants(incident(kind="maintenance"), API, "maintenance")


def test_maintenance_quiet_drops_maintenance_and_announce_sends_it() -> None:
    planned = incident("scheduled", kind="maintenance")
    assert route().wants(planned, API, "maintenance")
    assert not route(maintenance="quiet").wants(planned, API, "maintenance")
    assert not route(maintenance="quiet").wants(
        component("maintenance", "operational"), API, "maintenance"
    )


def test_resolutions_can_be_left_out_and_pass_the_severity_floor_when_wanted() -> None:
    resolved = incident("resolved", "Fixed.")
    recovered = component("operational", "major_outage")
    assert not route(resolutions=False).wants(resolved, API, "operational")
    assert not route(resolutions=False).wants(recovered, API, "operational")
    floor = route(min_severity="major_outage")
    assert floor.wants(resolved, API, "operational") and floor.wants(recovered, API, "operational")


def test_platform_notices_go_to_no_channel() -> None:
    assert not route().wants(incident(kind="platform"), API, "unknown")


def test_an_open_incident_is_as_severe_as_its_worst_component_now() -> None:
    state = PageState(
        components={
            "c1": ComponentState("partial_outage", "partial_outage", "Chat"),
            "c2": ComponentState("degraded", "degraded_performance", "Files"),
        },
        incidents={"i1": IncidentState("investigating", "E")},
    )
    assert severity(state, incident(component_ids=("c1", "c2"))) == "partial_outage"
    assert severity(state, incident(component_ids=())) == "unknown"
    assert severity(state, incident("resolved")) == "operational"
    assert severity(None, component("degraded", "operational")) == "degraded"


def test_only_component_rules_and_a_severity_floor_need_the_page_state() -> None:
    assert not route().needs_state
    assert not route(pages=["gh"], kinds=["incident"], resolutions=False).needs_state
    assert route(components={"exclude": ["*Labs*"]}).needs_state
    assert route(min_severity="degraded").needs_state
