"""`make chaos` expects what some poll could see: a status that came and went while no poll
could run (a blackout), and the return from it, are unobservable; what a poll could see, or a
webhook brings, is expected."""

from __future__ import annotations

from bench.chaos_score import score_observable, unobservable, up_time
from monitor.simulate.model import Publication

INTERVAL = 5.0


def component(
    at: float, status: str, page: str = "p1", previous: str = "operational"
) -> Publication:
    return Publication(page, "component", "c1", None, status, at, "", previous)


def update(at: float, status: str, n: int) -> Publication:
    return Publication("p1", "incident", "i1", f"u{n}", status, at, "")


def line(p: Publication) -> dict[str, object]:
    if p.kind == "component":
        return {"kind": "component", "page_id": p.page_id, "component_ids": [p.ref],
                "status_raw": p.status}  # fmt: skip
    return {"kind": "incident", "page_id": p.page_id, "incident_id": p.ref,
            "update_id": p.update_id}  # fmt: skip


def test_up_time_is_the_time_outside_every_blackout() -> None:
    assert up_time(0, 10, []) == 10
    assert up_time(0, 10, [(2, 4), (3, 6)]) == 6
    assert up_time(0, 10, [(-5, 20)]) == 0
    assert up_time(5, float("inf"), [(0, 8)]) == float("inf")


def test_a_status_that_came_and_went_in_a_blackout_and_its_return_are_unobservable() -> None:
    pubs = [component(10, "major_outage"), component(20, "operational", previous="major_outage")]
    assert unobservable(pubs, INTERVAL, [(8, 30)]) == {0, 1}


def test_a_status_a_poll_could_see_is_expected_and_missing_it_is_missed() -> None:
    pubs = [component(10, "major_outage"), component(20, "operational", previous="major_outage")]
    assert unobservable(pubs, INTERVAL, [(16, 30)]) == set()  # on the page 6 s before it
    result = score_observable(pubs, [(21.0, line(pubs[1]))], INTERVAL, [(16, 30)]).score
    assert (result.expected, result.missed) == (2, 1)


def test_a_status_seen_on_both_sides_of_a_blackout_counts_both_sides() -> None:
    pubs = [component(10, "major_outage"), component(40, "operational", previous="major_outage")]
    assert unobservable(pubs, INTERVAL, [(13, 37)]) == set()  # 3 s before, 3 s after


def test_a_status_skipped_over_still_makes_the_next_one_a_change() -> None:
    pubs = [
        component(10, "major_outage"),
        component(12, "partial_outage", previous="major_outage"),
        component(30, "operational", previous="partial_outage"),
    ]
    assert unobservable(pubs, INTERVAL, [(11, 20)]) == {0}


def test_every_change_of_a_page_that_sends_webhooks_is_expected() -> None:
    pubs = [component(10, "major_outage"), component(20, "operational", previous="major_outage")]
    assert unobservable(pubs, INTERVAL, [(8, 30)], hooked={"p1"}) == set()


def test_an_incident_closed_in_a_blackout_is_expected_it_stays_in_the_history() -> None:
    pubs = [update(10, "investigating", 1), update(20, "resolved", 2)]
    assert unobservable(pubs, INTERVAL, [(8, 30)]) == set()
    quick = [update(10, "investigating", 1), update(12, "resolved", 2)]
    assert unobservable(quick, INTERVAL, []) == {0, 1}  # the simulator scorer's short-lived


def test_an_unobservable_change_printed_anyway_is_neither_missed_nor_a_duplicate() -> None:
    pubs = [component(10, "major_outage"), component(20, "operational", previous="major_outage")]
    printed = [(31.0, line(p)) for p in pubs]
    observed = score_observable(pubs, printed, INTERVAL, [(8, 30)])
    assert observed.unobservable == pubs and observed.seen_anyway == 2
    assert (observed.score.expected, observed.score.missed, observed.score.duplicates) == (0, 0, 0)


def test_an_incident_open_only_in_a_blackout_on_a_page_without_history_is_unobservable() -> None:
    pubs = [update(10, "investigating", 1), update(20, "resolved", 2)]
    assert unobservable(pubs, INTERVAL, [(8, 30)], historyless={"p1"}) == {0, 1}
    assert unobservable(pubs, INTERVAL, [(16, 30)], historyless={"p1"}) == set()  # open 6 s
