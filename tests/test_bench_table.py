"""bench/table.py: the rows of docs/benchmarks.md from one run's measurements."""

from __future__ import annotations

from bench.lag import FOLLOW_UP
from bench.lag_rows import lag_rows
from bench.load import Load
from bench.measure import Drain, Loop
from bench.table import Run, all_rows, cost_rows
from bench.throughput import Bandwidth, Throughput


def drain(count: int) -> Drain:
    return Drain(
        count,
        1.0,
        {"not_modified": count},
        {p: 0.001 * count for p in ("worker", "redis", "simulate", "notifier")},
        10 * count,
    )


def a_run(first: Drain | None) -> Run:
    wire = {"bytes_in": 250_000, "bytes_out": 240_000, "body_out": 0}
    steady = Throughput(10_000, first, drain(1000), Loop(1000, 1.0, {304: 1000}), wire)
    band = Bandwidth(10_000, wire, {"bytes_in": 600_000, "bytes_out": 600_000, "body_out": 6000})
    return Run([steady], drain(3000), band, Load(10_000, 20), 0.1)


def test_a_run_whose_sizes_had_their_first_polls_in_process_still_gets_its_rows() -> None:
    run = a_run(first=None)  # `--sizes 10000` alone: bench/warm.py polled them all first
    rows = all_rows(run)
    assert any("first poll of a page" in r and "not measured" in r for r in rows)
    costs = cost_rows(run)
    assert not any("first poll" in r for r in costs)
    assert any("304 poll, 10,000 pages" in r for r in costs)


def test_the_first_polls_row_names_the_largest_batch_that_went_through_the_worker() -> None:
    rows = all_rows(a_run(first=drain(900)))
    assert any("first poll of a page" in r and "900 pages" in r for r in rows)
    assert any("first poll, 900 pages" in r for r in cost_rows(a_run(first=drain(900))))


def test_follow_ups_are_split_by_whether_their_host_had_faults() -> None:
    load = Load(10_000, 60)
    for seconds in (4.0, 6.0, 9.0):
        load.poll_by.add(FOLLOW_UP, seconds)
        load.poll_by_clean.add(FOLLOW_UP, seconds)
    load.poll_by.add(FOLLOW_UP, 44.0)  # held by its host's back-off
    load.poll_by_faulty.add(FOLLOW_UP, 44.0)
    (follow_up,) = [r for r in lag_rows(load) if "follow-up" in r]
    assert "(4 updates)" in follow_up
    assert "hosts without faults p50 6.00 s, p99 9.00 s (3)" in follow_up
    assert "with faults p50 44.00 s, p99 44.00 s (1)" in follow_up


def test_a_304_polls_worker_cpu_is_given_to_two_decimals_and_as_a_share_of_the_no_op() -> None:
    run = a_run(first=None)
    run.runs[0].steady.cpu["worker"] = 0.62  # 0.62 ms a poll over 1,000 polls
    run.noop.cpu["worker"] = 3.6  # 1.2 ms a task over 3,000 tasks
    (poll,) = [r for r in cost_rows(run) if "304 poll" in r]
    assert "| 0.62 ms (52 %) |" in poll
    (noop,) = [r for r in cost_rows(run) if "no-op task" in r]
    assert "| 1.20 ms (100 %) |" in noop
