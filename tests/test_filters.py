"""Per-page filters and platform migrations, through the detector."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from monitor.config import parse_pages
from monitor.detect import diff
from monitor.filters import Filters
from monitor.model import Component, Incident, Snapshot, Update
from monitor.pages import ConfigError, PageConfig

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
OPENAI = PageConfig("openai", "OpenAI", "https://status.openai.com", "incidentio")


def comp(cid: str, name: str, group: str, status: str = "operational") -> Component:
    return Component(cid, name, status, status, f"g-{group}", group)


def page_with(**filters: object) -> PageConfig:
    return replace(OPENAI, filters=Filters(**filters))  # type: ignore[arg-type]


def snapshot(*components: Component, incidents: tuple[Incident, ...] = ()) -> Snapshot:
    return Snapshot("OpenAI", {c.id: c for c in components}, {i.id: i for i in incidents})


HEALTHY = snapshot(
    comp("c1", "Login", "ChatGPT"), comp("c2", "Login", "Sora"), comp("c3", "Chat", "APIs")
)


def changes(page: PageConfig, after: Snapshot) -> tuple[list[str], int]:
    base = diff(page, "incidentio", None, HEALTHY, NOW)
    result = diff(page, "incidentio", base.state, after, NOW)
    return [e.product for e in result.events], result.filtered


def test_include_by_group_and_name_pattern_keeps_only_those_components() -> None:
    down = snapshot(
        comp("c1", "Login", "ChatGPT", "major_outage"),
        comp("c2", "Login", "Sora", "major_outage"),
        comp("c3", "Chat", "APIs", "degraded"),
    )
    assert changes(page_with(include=("APIs/*", "Sora/Login")), down) == (
        ["OpenAI Sora - Login", "OpenAI APIs - Chat"],
        1,
    )


def test_exclude_by_id_drops_one_of_two_components_with_the_same_name() -> None:
    down = snapshot(
        comp("c1", "Login", "ChatGPT", "major_outage"),
        comp("c2", "Login", "Sora", "major_outage"),
        comp("c3", "Chat", "APIs"),
    )
    assert changes(page_with(exclude=("c2",)), down) == (["OpenAI ChatGPT - Login"], 1)


def test_min_severity_keeps_outages_and_their_recovery_but_not_degradation() -> None:
    page = page_with(min_severity="partial_outage")
    base = diff(page, "incidentio", None, HEALTHY, NOW)
    slow = diff(
        page,
        "incidentio",
        base.state,
        snapshot(
            comp("c1", "Login", "ChatGPT", "degraded"),
            comp("c2", "Login", "Sora", "major_outage"),
            comp("c3", "Chat", "APIs"),
        ),
        NOW,
    )
    back = diff(page, "incidentio", slow.state, HEALTHY, NOW)
    assert [(e.product, e.status) for e in slow.events + back.events] == [
        ("OpenAI Sora - Login", "major_outage"),
        ("OpenAI Sora - Login", "operational"),
    ]
    assert (slow.filtered, back.filtered) == (1, 1)


def test_quiet_maintenance_is_applied_but_not_printed() -> None:
    mnt = Incident(
        "m1",
        "Upgrade",
        "in_progress",
        (Update("m1u", "in_progress", "", NOW),),
        is_maintenance=True,
    )
    page = page_with(maintenance="quiet")
    result = diff(page, "incidentio", None, snapshot(incidents=(mnt,)), NOW)
    assert (result.events, result.filtered) == ([], 1)
    assert "m1" in result.state.incidents
    assert (
        diff(OPENAI, "incidentio", None, snapshot(incidents=(mnt,)), NOW).events[0].kind
        == "maintenance"
    )


def test_bad_filters_are_named_in_the_config_error() -> None:
    raw = [
        {
            "id": "o",
            "name": "O",
            "url": "https://o",
            "filters": {
                "include": "APIs/*",
                "exclude": [3],
                "min_severity": "bad",
                "maintenance": "loud",
                "x": 1,
            },
        }
    ]
    with pytest.raises(ConfigError) as caught:
        parse_pages(raw, "pages.yaml")
    assert [p.split(": ", 2)[2] for p in caught.value.problems] == [
        "field 'filters.exclude': expected a list of id or name patterns",
        "field 'filters.min_severity': 'bad' is not one of degraded, partial_outage, major_outage",
        "field 'filters.maintenance': 'loud' is not announce or quiet",
        "field 'filters.x': unknown field",
    ]


def test_a_move_to_another_platform_prints_one_line_and_rebaselines() -> None:
    statuspage = snapshot(comp("abc123", "Chat", "APIs", "major_outage"))
    before = diff(OPENAI, "statuspage", None, statuspage, NOW)
    moved = snapshot(
        comp("01JMX", "Chat", "APIs", "degraded"),
        incidents=(
            Incident("01I", "Slow", "investigating", (Update("01U", "investigating", "x", NOW),)),
        ),
    )
    after = diff(OPENAI, "incidentio", before.state, moved, NOW)
    assert [(e.kind, e.product, e.body) for e in after.events] == [
        ("platform", "OpenAI", "status page changed platform: statuspage → incidentio")
    ]
    assert after.state.platform == "incidentio"
    assert set(after.state.components) == {"01JMX"}
    assert diff(OPENAI, "incidentio", after.state, moved, NOW).events == []


def test_new_ids_for_every_component_on_the_same_platform_is_one_line_too() -> None:
    before = diff(OPENAI, "incidentio", None, HEALTHY, NOW)
    renumbered = snapshot(comp("n1", "Login", "ChatGPT"), comp("n2", "Chat", "APIs", "degraded"))
    (event,) = diff(OPENAI, "incidentio", before.state, renumbered, NOW).events
    assert event.body == "status page changed its component ids (2 components)"
