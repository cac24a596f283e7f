"""A component's 90-day bar from its printed transitions, and the header's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor import status
from monitor.boardmodel import Board, IncidentView, PageView
from monitor.eventlog import Entry
from monitor.headline import all_clear, duration, headlines
from monitor.history import NO_DATA, affected, days, without_data
from tests.support import board as b

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


def change(new: str, old: str, at: datetime) -> Entry:
    return Entry("1-0", b.component_event("gh", "GitHub", "c1", new, old, at), at)


def test_a_component_never_changed_is_its_current_status_every_day() -> None:
    bar = days([], status.OPERATIONAL, NOW, UTC_ZONE)
    assert len(bar) == 90 and bar[-1].day == NOW.date()
    assert {d.status for d in bar} == {status.OPERATIONAL} and {d.minutes for d in bar} == {0}


def test_a_day_takes_its_worst_status_and_counts_the_minutes_affected() -> None:
    start = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
    bar = days(
        [
            change(status.DEGRADED, status.OPERATIONAL, start),
            change(status.MAJOR_OUTAGE, status.DEGRADED, start + timedelta(minutes=30)),
            change(status.OPERATIONAL, status.MAJOR_OUTAGE, start + timedelta(minutes=45)),
        ],
        status.OPERATIONAL,
        NOW,
        UTC_ZONE,
    )
    by_day = {d.day.isoformat(): d for d in bar}
    assert (by_day["2026-03-08"].status, by_day["2026-03-08"].minutes) == (status.MAJOR_OUTAGE, 45)
    assert by_day["2026-03-08"].label == "2026-03-08: Major Outage, 45 min affected"
    assert by_day["2026-03-07"].status == by_day["2026-03-09"].status == status.OPERATIONAL


def test_an_outage_across_midnight_is_cut_at_the_day_in_the_board_time_zone() -> None:
    paris = ZoneInfo("Europe/Paris")  # UTC+1 in March
    start = datetime(2026, 3, 8, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    bar = days(
        [change(status.PARTIAL_OUTAGE, status.OPERATIONAL, start)],
        status.PARTIAL_OUTAGE,
        NOW,
        paris,
    )
    by_day = {d.day.isoformat(): d for d in bar}
    assert by_day["2026-03-08"].minutes == 30
    assert by_day["2026-03-09"].minutes == 24 * 60
    assert by_day["2026-03-10"].minutes == 13 * 60  # until now: 13:00 in Paris


def test_durations_read_as_a_person_says_them() -> None:
    assert [duration(s) for s in (59, 18 * 60, 3600, 3600 + 300, 86400 * 2 + 3600)] == [
        "0 min", "18 min", "1 h", "1 h 5 min", "2 d 1 h"
    ]  # fmt: skip


def page(
    status_: str, incidents: tuple[IncidentView, ...] = (), polled: float | None = 1.0
) -> PageView:
    return PageView(
        "oai", "OpenAI", "https://x.invalid", status_, (), incidents, polled, None, 60, False
    )


def test_the_header_names_the_incident_its_status_phase_and_age() -> None:
    started = NOW - timedelta(minutes=18)
    inc = IncidentView("i", "Errors", "investigating", status.PARTIAL_OUTAGE, False,
                       "https://x.invalid/i", started, ("Chat Completions",), ("chat",), ())  # fmt: skip
    board = Board((page(status.PARTIAL_OUTAGE, (inc,)),), (), NOW.timestamp())
    (line,) = headlines(board, UTC_ZONE)
    assert (
        line.text == "OpenAI — Chat Completions: Partial Outage, Investigating since 11:42, 18 min"
    )
    assert line.url == "https://x.invalid/i"
    assert all_clear(board, [line]) is None


def test_all_operational_is_said_only_when_true_and_statusmon_is_healthy() -> None:
    fine = Board((page(status.OPERATIONAL),), (), NOW.timestamp())
    assert all_clear(fine, headlines(fine, UTC_ZONE)) == "All 1 service operational"
    sick = Board((page(status.OPERATIONAL),), ("the notifier is silent",), NOW.timestamp())
    assert all_clear(sick, headlines(sick, UTC_ZONE)) is None


def test_days_before_statusmons_first_record_are_no_data_not_operational() -> None:
    since = NOW - timedelta(days=3)
    bar = days([], status.OPERATIONAL, NOW, UTC_ZONE, since=since)
    assert [d.status for d in bar[-4:]] == [status.OPERATIONAL] * 4  # its first day counts
    assert {d.status for d in bar[:-4]} == {NO_DATA}
    assert (affected(bar), without_data(bar)) == (0, 86)
    assert bar[0].label == "2025-12-11: no data (before statusmon's first record)"
