"""bench/channels_rows.py: the delivery rows of docs/benchmarks.md and their verdicts."""

from __future__ import annotations

from typing import Any

from bench.channels_rows import rows, section


def result(on: float, hook_on: float, lag: float) -> dict[str, Any]:
    return {
        "events": 300,
        "rate": 50,
        "rounds": 2,
        "burst": {"off": [400.0, 500.0], "on": [on, on]},
        "cpu": {"off": [[1.0, 0.0], [1.0, 0.0]], "on": [[1.2, 3.0], [1.2, 3.0]]},
        "webhook": {"off": [10.0] * 97 + [100.0] * 3, "on": [10.0] * 97 + [hook_on] * 3},
        "lag": [0.05] * 97 + [lag] * 3,
        "load": 3.5,
    }


def test_each_target_is_met_when_the_figures_are_within_it() -> None:
    found = rows(result(on=400.0, hook_on=110.0, lag=0.5))
    assert "| 400 events/s | 450 events/s | 89% | ≥ 80% **met** |" in found[0]
    assert found[3].endswith("| 10.0 ms | 10.0 ms | 1.00 |  |")  # p50: no target
    assert "| 110.0 ms | 100.0 ms | 1.10 | ≤ 1.20 **met** |" in found[4]
    assert found[5].endswith("| 50 / 500 / 500 ms | | | p99 < 1 s **met** |")
    assert "(100 posts each)" in found[4]


def test_each_target_is_not_met_past_it() -> None:
    found = rows(result(on=300.0, hook_on=130.0, lag=1.5))
    verdicts = [row.endswith("**not met** |") for row in found]
    assert verdicts == [True, False, False, False, True, True]


def test_the_section_says_the_machine_was_shared_and_is_empty_without_a_run() -> None:
    text = "\n".join(section(result(on=400.0, hook_on=110.0, lag=0.5)))
    assert "## Delivery (channels)" in text and "load average 3.5 on its 2 cores" in text
    assert section(None) == []


def test_the_cpu_rows_name_redis_and_the_receivers_when_they_were_measured() -> None:
    measured = result(on=400.0, hook_on=110.0, lag=0.5)
    measured["cpu"] = {mode: [[1.0, 2.0, 0.5, 2.5]] * 2 for mode in ("on", "off")}
    found = rows(measured)
    assert "CPU per event of the burst, Redis | 0.50 ms | 0.50 ms" in found[3]
    assert "loopback receivers + the bench's sending | 2.50 ms" in found[4]
