"""The delivery rows of docs/benchmarks.md, from one bench.channels run (its JSON)."""

from __future__ import annotations

import statistics
from typing import Any

from bench.measure import percentile

CONSOLE_TARGET = 0.8  # the console's throughput with channels, of the same run's without
WEBHOOK_TARGET = 1.2  # webhook → line p99 with channels, at most this times without
LAG_TARGET = 1.0  # seconds, delivery lag p99 with healthy receivers


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def rows(result: dict[str, Any]) -> list[str]:
    burst, cpu, hooks, lag = result["burst"], result["cpu"], result["webhook"], result["lag"]
    n, rate, rounds = result["events"], result["rate"], result["rounds"]
    on, off = statistics.median(burst["on"]), statistics.median(burst["off"])
    found = [
        f"| console throughput, bursts of {n} notify tasks (median of {rounds}) "
        f"| {on:.0f} events/s | {off:.0f} events/s | {on / off:.0%} "
        f"| ≥ {CONSOLE_TARGET:.0%} {_met(on >= CONSOLE_TARGET * off)} |"
    ]
    for i, who in enumerate(("notifier", "deliverer (the burst's deliveries)")):
        a = statistics.median(c[i] for c in cpu["on"])
        b = statistics.median(c[i] for c in cpu["off"])
        found.append(f"| CPU per event of the burst, {who} | {a:.2f} ms | {b:.2f} ms | | |")
    for q in (50, 99):
        a, b = percentile(hooks["on"], q), percentile(hooks["off"], q)
        target = f"≤ {WEBHOOK_TARGET:.2f} {_met(a <= WEBHOOK_TARGET * b)}" if q == 99 else ""
        found.append(
            f"| webhook POST → printed line p{q}, {rate:g}/s ({len(hooks['on'])} posts each) "
            f"| {a:.1f} ms | {b:.1f} ms | {a / b:.2f} | {target} |"
        )
    p50, p99 = percentile(lag, 50), percentile(lag, 99)
    found.append(
        f"| delivery lag (printed → received) p50 / p99 / max, {rate:g} webhooks/s × 3 channels "
        f"| {p50 * 1000:.0f} / {p99 * 1000:.0f} / {max(lag) * 1000:.0f} ms | | "
        f"| p99 < {LAG_TARGET:g} s {_met(p99 < LAG_TARGET)} |"
    )
    return found


def section(result: dict[str, Any] | None, notes: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    if not result:
        return []
    return [
        "## Delivery (channels)",
        "",
        "`bench/channels.py`: two copies of the system side by side on their own Redis (poll "
        "worker, deliverer, notifier, beat, web), one with three channels (signed "
        "webhook, Slack, Discord) on loopback receivers that check what the real ones check, "
        "one without; each figure alternates between them. A burst's time runs to its last "
        "printed line; its CPU includes the deliveries it caused.",
        "",
        "| figure | three channels | no channels (same run) | ratio | target |",
        "|---|---|---|---|---|",
        *rows(result),
        "",
        *[f"- {n}" for n in notes],
        *([""] if notes else []),
    ]
