"""bench/lag.py: publications sorted into first signs, follow-ups and recoveries, and the
polls a run cost beside a fixed interval's."""

from __future__ import annotations

import pytest

from bench.lag import FIRST, FOLLOW_UP, RECOVERY, classify, poll_rate
from monitor.simulate.model import Publication


def pub(page: str, at: float, kind: str = "incident", status: str = "investigating") -> Publication:
    return Publication(page, kind, "ref", "u", status, at, "2026-01-01T00:00:00Z")


def test_what_is_published_after_a_line_of_its_page_was_printed_is_a_follow_up() -> None:
    published = [
        pub("a", 10.0),
        pub("a", 10.5, kind="component", status="major_outage"),  # before any line: first sign
        pub("a", 70.0, status="identified"),
        pub("a", 130.0, kind="component", status="operational"),
        pub("a", 2000.0),  # after a quiet spell longer than the active window
        pub("b", 75.0, kind="rename", status="New name"),  # not printed: not classified
    ]
    printed = [("a", 10.0, 40.0), ("a", 10.5, 40.0), ("a", 70.0, 75.0), ("a", 130.0, 133.0)]
    assert classify(published, printed) == {
        ("a", 10.0): FIRST,
        ("a", 10.5): FIRST,
        ("a", 70.0): FOLLOW_UP,
        ("a", 130.0): RECOVERY,
        ("a", 2000.0): FIRST,
    }


def test_the_fixed_interval_cost_is_the_untouched_pages_rate_for_every_page() -> None:
    polls = {0: 10, 1: 10, 2: 30, 3: 10}  # page 2 was active
    rate = poll_rate(polls, 4, {2}, seconds=100.0)
    assert rate.measured == pytest.approx(0.6)
    assert rate.fixed == pytest.approx(0.4)
    assert rate.ratio == pytest.approx(1.5)
