"""The detector: first poll, later polls, partial views, renames — pure, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.detect import diff
from monitor.model import Component, Incident, Snapshot, Update
from monitor.output import render_text
from monitor.pages import Labels, PageConfig
from monitor.settings import load_settings

PAGE = PageConfig("gh", "GitHub", "https://www.githubstatus.com", "statuspage")
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
TZ = load_settings({}).tz


def at(minute: int) -> datetime:
    return NOW + timedelta(minutes=minute)


def comp(status: str = "operational", minute: int = 0, name: str = "Actions") -> Component:
    raw = {"degraded": "degraded_performance"}.get(status, status)
    return Component("c1", name, status, raw, "g1", "CI", at(minute))


def incident(*updates: tuple[str, str], status: str | None = None) -> Incident:
    ups = tuple(Update(uid, st, f"{st} text", at(i)) for i, (uid, st) in enumerate(updates))
    return Incident("i1", "Actions slow", status or ups[-1].status, ups, ("c1",))


def snap(
    *components: Component, incidents: tuple[Incident, ...] = (), complete: bool = True
) -> Snapshot:
    return Snapshot("GitHub", {c.id: c for c in components}, {i.id: i for i in incidents}, complete)


def lines(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [render_text(e, TZ).replace("\n", " | ") for e in result.events]


def test_a_first_poll_prints_broken_components_and_the_latest_update_only() -> None:
    first = diff(
        PAGE,
        "statuspage",
        None,
        snap(
            comp("degraded"), incidents=(incident(("u1", "investigating"), ("u2", "identified")),)
        ),
        NOW,
    )
    assert lines(first) == [
        "[2026-01-01 12:00:00] Product: GitHub CI - Actions | Status: Degraded Performance",
        "[2026-01-01 12:01:00] Product: GitHub CI - Actions | Status: Identified - identified text",
    ]


def test_a_first_poll_of_a_healthy_page_prints_nothing() -> None:
    assert diff(PAGE, "statuspage", None, snap(comp()), NOW).events == []


def test_every_update_between_two_polls_is_printed_oldest_first() -> None:
    base = diff(
        PAGE, "statuspage", None, snap(comp(), incidents=(incident(("u1", "investigating")),)), NOW
    )
    later = diff(
        PAGE,
        "statuspage",
        base.state,
        snap(
            comp(),
            incidents=(
                incident(("u1", "investigating"), ("u2", "identified"), ("u3", "monitoring")),
            ),
        ),
        NOW,
    )
    assert [e.update_id for e in later.events] == ["u2", "u3"]


def test_an_unchanged_page_yields_nothing_on_the_second_poll() -> None:
    view = snap(comp("degraded"), incidents=(incident(("u1", "investigating")),))
    base = diff(PAGE, "statuspage", None, view, NOW)
    assert diff(PAGE, "statuspage", base.state, view, NOW).events == []


def test_a_component_is_reported_going_down_and_coming_back() -> None:
    s0 = diff(PAGE, "statuspage", None, snap(comp()), NOW).state
    down = diff(PAGE, "statuspage", s0, snap(comp("degraded", 1)), NOW)
    up = diff(PAGE, "statuspage", down.state, snap(comp("operational", 2)), NOW)
    assert lines(down) + lines(up) == [
        "[2026-01-01 12:01:00] Product: GitHub CI - Actions | Status: Degraded Performance (was Operational)",
        "[2026-01-01 12:02:00] Product: GitHub CI - Actions | Status: Operational (was Degraded Performance)",
    ]


def test_a_second_degradation_of_the_same_component_has_its_own_key() -> None:
    s0 = diff(PAGE, "statuspage", None, snap(comp()), NOW).state
    d1 = diff(PAGE, "statuspage", s0, snap(comp("degraded", 1)), NOW)
    s2 = diff(PAGE, "statuspage", d1.state, snap(comp("operational", 2)), NOW).state
    d2 = diff(PAGE, "statuspage", s2, snap(comp("degraded", 3)), NOW)
    assert d1.events[0].dedup_key != d2.events[0].dedup_key


def test_a_rename_is_not_a_change_but_the_new_name_is_used() -> None:
    s0 = diff(PAGE, "statuspage", None, snap(comp()), NOW).state
    renamed = diff(PAGE, "statuspage", s0, snap(comp(name="GitHub Actions")), NOW)
    assert renamed.events == []
    down = diff(PAGE, "statuspage", renamed.state, snap(comp("degraded", 1, "GitHub Actions")), NOW)
    assert down.events[0].product == "GitHub CI - GitHub Actions"


def test_a_partial_view_adds_what_it_shows_and_removes_nothing() -> None:
    s0 = diff(
        PAGE,
        "statuspage",
        None,
        snap(comp(), Component("c2", "API", "operational", "operational")),
        NOW,
    ).state
    partial = diff(PAGE, "statuspage", s0, snap(comp("degraded", 1), complete=False), NOW)
    assert set(partial.state.components) == {"c1", "c2"}
    assert [e.status for e in partial.events] == ["degraded"]


def test_a_final_update_fetched_alone_keeps_the_incident_name_and_components() -> None:
    base = diff(
        PAGE, "statuspage", None, snap(comp(), incidents=(incident(("u1", "investigating")),)), NOW
    )
    bare = Incident("i1", "i1", "resolved", (Update("u9", "resolved", "Fixed.", at(9)),))
    done = diff(PAGE, "statuspage", base.state, snap(comp(), incidents=(bare,)), NOW)
    assert lines(done) == [
        "[2026-01-01 12:09:00] Product: GitHub CI - Actions | Status: Resolved - Fixed."
    ]
    assert done.state.incidents["i1"].name == "Actions slow"
    assert done.state.incidents["i1"].closed_at is not None


def test_closed_incidents_are_forgotten_after_the_retention_period() -> None:
    closed = incident(("u1", "resolved"))
    s0 = diff(PAGE, "statuspage", None, snap(incidents=(closed,)), NOW).state
    later = diff(PAGE, "statuspage", s0, snap(), NOW + timedelta(days=31))
    assert later.state.incidents == {}


def test_labels_rename_groups_and_components_by_id_or_name() -> None:
    page = replace(
        PAGE, labels=Labels(groups={"g1": "GitHub Actions"}, components={"Actions": "Runners"})
    )
    first = diff(page, "statuspage", None, snap(comp("degraded")), NOW)
    assert first.events[0].product == "GitHub Actions - Runners"


def test_an_update_without_components_names_the_page_and_incident() -> None:
    lone = Incident(
        "i2", "Login trouble", "investigating", (Update("u1", "investigating", "Looking.", NOW),)
    )
    first = diff(PAGE, "statuspage", None, snap(incidents=(lone,)), NOW)
    assert first.events[0].product == "GitHub - Login trouble"


def test_maintenance_updates_are_printed_with_phase_and_title() -> None:
    mnt = Incident(
        "m1",
        "DB upgrade",
        "in_progress",
        (Update("m1u", "in_progress", "Upgrading now.", NOW),),
        is_maintenance=True,
    )
    first = diff(PAGE, "statuspage", None, snap(incidents=(mnt,)), NOW)
    assert lines(first) == [
        "[2026-01-01 12:00:00] Product: GitHub - DB upgrade | Status: Maintenance In Progress - DB upgrade: Upgrading now."
    ]


def test_a_history_feed_listing_an_incident_closed_long_ago_does_not_reprint_it() -> None:
    old = Incident("i9", "Old outage", "resolved", (Update("u1", "resolved", "Fixed.", NOW),))
    s0 = diff(PAGE, "gcp", None, snap(incidents=(old,)), NOW).state
    month_later = NOW + timedelta(days=31)
    s1 = diff(PAGE, "gcp", s0, snap(incidents=(old,)), month_later).state
    assert s1.incidents == {}  # pruned from state after the retention period
    again = diff(PAGE, "gcp", s1, snap(incidents=(old,)), month_later + timedelta(minutes=1))
    assert again.events == []


def test_a_webhook_before_the_first_poll_keeps_the_first_poll_a_baseline() -> None:
    pushed = diff(PAGE, "statuspage", None, snap(comp("degraded"), complete=False), NOW)
    other = Incident(
        "i2",
        "Other",
        "identified",
        tuple(
            Update(f"o{n}", st, st, at(n)) for n, st in enumerate(("investigating", "identified"))
        ),
    )
    first_poll = diff(
        PAGE, "statuspage", pushed.state, snap(comp("degraded"), incidents=(other,)), NOW
    )
    assert [e.update_id for e in first_poll.events] == ["o1"]  # its latest update only
    assert first_poll.state.baselined and not pushed.state.baselined


def test_updates_published_in_the_same_second_keep_the_page_order() -> None:
    from monitor.adapters.statuspage import parse_incident

    same = "2026-01-01T12:00:00Z"
    raw = {
        "id": "i1",
        "name": "E",
        "status": "monitoring",
        "incident_updates": [
            {"id": "u2", "status": "monitoring", "body": "b", "created_at": same},
            {"id": "u1", "status": "identified", "body": "a", "created_at": same},
        ],
    }
    assert [u.id for u in parse_incident(raw, "incident").updates] == ["u1", "u2"]
