"""bench/load.py: schedule health read off the simulator's request log."""

from __future__ import annotations

from bench.load import Load, Plan, _schedule
from monitor.schedule import phase, spread_window
from monitor.simulate.pages import Layout

INTERVAL = 20
SYNC = 1000.0  # when beat put the pages in the schedule
LAYOUT = Layout(4, 0, webhook_every=0)


def grid() -> dict[str, float]:
    window = spread_window(LAYOUT.pages, INTERVAL)
    return {LAYOUT.page_id(n): SYNC + phase(LAYOUT.page_id(n), window) for n in range(LAYOUT.pages)}


def polls(due: dict[str, float], rounds: int) -> list[list[object]]:
    """A summary GET 0.1 s after each due time, for every page."""
    return [
        [due[LAYOUT.page_id(n)] + k * INTERVAL + 0.1, n, "/api/v2/summary.json", 304, 250, 240]
        for n in range(LAYOUT.pages)
        for k in range(rounds)
    ]


def schedule_of(rows: list[list[object]], due: dict[str, float]) -> Load:
    result = Load(LAYOUT.pages, INTERVAL)
    plan = Plan(LAYOUT, set(), 1, 0.0, INTERVAL, 0.1)
    began = SYNC - INTERVAL + 0.01  # the bench's clock starts before beat syncs the pages
    _schedule(result, plan, rows, due, (began, SYNC + 3 * INTERVAL + 10), set())
    return result


def test_due_times_before_beat_scheduled_the_pages_are_not_counted_as_missed() -> None:
    due = grid()
    result = schedule_of(polls(due, 3), due)
    assert result.dues == 3 * LAYOUT.pages
    assert result.missed_dues == 0
    assert result.starved == 0


def test_a_due_time_with_no_poll_is_counted_and_its_page_starved() -> None:
    due = grid()
    rows = polls(due, 3)
    rows.pop(1)  # page 0's second poll
    result = schedule_of(rows, due)
    assert (result.missed_dues, result.starved) == (1, 1)
