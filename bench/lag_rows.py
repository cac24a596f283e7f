"""The detection-lag rows of docs/benchmarks.md: by class (bench.lag), beside a fixed
interval's wait, with the polls they cost and the part after the GET that saw a change."""

from __future__ import annotations

from bench.lag import CLASSES, FIRST
from bench.load import Load
from bench.measure import percentile
from bench.report import p, pct, row, verdict
from monitor.pages import DEFAULT_INTERVAL_ACTIVE


def webhook_row(load: Load) -> str:
    if not load.webhooks:
        return row("detection lag, webhooks", "not measured (--webhook-every 0)", "—", "—", "—")
    hooked, polled = load.webhook_lags, load.poll_lags
    sent = ", ".join(f"{n} × HTTP {status}" for status, n in load.webhooks.items())
    by = "; ".join(
        f"{c} p50 {p(v, 50)}, p99 {p(v, 99)}"
        for c in CLASSES
        if (v := load.webhook_by.by_class.get(c, []))
    )
    return row(
        "detection lag, publish → printed line, pages that also send webhooks",
        f"p50 {p(hooked, 50)}, p99 {p(hooked, 99)} ({len(hooked)} updates; POSTs: {sent}); {by}",
        f"polled pages: p50 {p(polled, 50)}",
        f"{pct(percentile(hooked, 50), percentile(polled, 50))} of the polled p50",
        "—",
    )


def lag_rows(load: Load) -> list[str]:
    """Polled pages' lag by class (bench.lag), each beside a fixed interval's wait."""
    interval, rows = load.interval, []
    fixed = f"fixed {interval} s interval: p50 {interval / 2:.0f} s, p99 {0.99 * interval:.0f} s"
    for cls in CLASSES:
        lags = load.poll_by.by_class.get(cls, [])
        target, split = "—", ""
        if cls != FIRST:
            ok = bool(lags) and percentile(lags, 50) <= 6 and percentile(lags, 99) <= 15
            target = f"p50 ≤ 6 s, p99 ≤ 15 s: {verdict(ok)}"
            clean = load.poll_by_clean.by_class.get(cls, [])
            faulty = load.poll_by_faulty.by_class.get(cls, [])
            split = (
                f"; hosts without faults p50 {p(clean, 50)}, p99 {p(clean, 99)} ({len(clean)}), "
                f"with faults p50 {p(faulty, 50)}, p99 {p(faulty, 99)} ({len(faulty)})"
            )
        rows.append(
            row(
                f"detection lag, {cls}, polled pages (every {interval} s, active: "
                f"{DEFAULT_INTERVAL_ACTIVE} s)",
                f"p50 {p(lags, 50)}, p99 {p(lags, 99)} ({len(lags)} updates){split}",
                fixed,
                f"{pct(percentile(lags, 50), interval / 2)} of the fixed p50" if lags else "—",
                target,
            )
        )
    rate = load.rate
    rows.append(
        row(
            "polls it cost: summary GETs/s over the scenario run",
            f"{rate.measured:.1f} polls/s ({load.touched} pages had publications)",
            f"fixed interval: {rate.fixed:.1f} polls/s (the untouched pages' rate, every page)",
            f"{rate.ratio:.1%}",
            f"≤ 110 %: {verdict(rate.ratio <= 1.10)}",
        )
    )
    clean, flaky = load.poll_to_line, load.poll_to_line_flaky
    rows.append(
        row(
            "from the GET that saw it to the printed line, polled pages",
            f"hosts without faults: p50 {p(clean, 50)}, p99 {p(clean, 99)} ({len(clean)})",
            f"hosts with faults: p50 {p(flaky, 50)}, p99 {p(flaky, 99)} ({len(flaky)})",
            "—",
            f"p99 < 1 s without faults: {verdict(bool(clean) and percentile(clean, 99) < 1)}",
        )
    )
    return rows
