"""The rows of docs/benchmarks.md from one run's measurements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.lag_rows import lag_rows, webhook_row
from bench.load import Load
from bench.measure import Drain, percentile
from bench.report import ms, p, pct, row, verdict
from bench.throughput import Bandwidth, Throughput


@dataclass
class Run:
    runs: list[Throughput]
    noop: Drain
    band: Bandwidth
    load: Load
    latency: float


def throughput_rows(run: Run) -> list[str]:
    noop, rows = run.noop, []
    for r in run.runs:
        rate = r.steady.rate
        rows.append(
            row(
                f"poll throughput, {r.pages:,} pages, all 304",
                f"{rate:.0f} polls/s",
                f"bare `requests` loop {r.loop.rate:.0f} GET/s; "
                f"no-op Celery task {noop.rate:.0f}/s",
                f"{pct(rate, noop.rate)} of no-op; {pct(rate, r.loop.rate)} of bare GETs",
                f"≥ 50 % of no-op: {verdict(rate >= 0.5 * noop.rate)}",
            )
        )
    big, load = run.runs[-1], run.load
    first = first_polls(run)
    rows.append(
        row(
            "first poll of a page (full GET, parse, diff, save), "
            + (f"{first.count:,} pages" if first else "none through the worker"),
            f"{first.rate:.0f} polls/s" if first else "not measured (see notes)",
            "—",
            "—",
            "—",
        )
    )
    need = load.pages / load.interval
    rows.append(
        row(
            f"polls needed for {load.pages:,} pages every {load.interval} s",
            f"{need:.0f} polls/s",
            f"measured capacity {big.steady.rate:.0f} polls/s",
            f"{pct(need, big.steady.rate)} of capacity",
            "< 100 %",
        )
    )
    return rows


def schedule_rows(load: Load, latency: float) -> list[str]:
    p99 = percentile(load.start_lags, 99)
    return [
        row(
            f"schedule: poll start − due time, {load.pages:,} pages / {load.interval} s, "
            f"{latency * 1000:.0f} ms simulated network delay",
            f"p50 {p(load.start_lags, 50)}, p99 {p(load.start_lags, 99)} ({load.polls:,} polls)",
            "the due time on the page's grid",
            "—",
            f"p99 < 5 s: {verdict(p99 < 5)}",
        ),
        row(
            "schedule: due times with no poll",
            f"{load.missed_dues:,} of {load.dues:,}; "
            f"{load.starved:,} of {load.clean_pages:,} pages missed at least one",
            "—",
            "—",
            f"no page starved: {verdict(load.starved == 0)}",
        ),
    ]


def bandwidth_rows(band: Bandwidth, load: Load) -> list[str]:
    steady = (band.steady["bytes_in"] + band.steady["bytes_out"]) / band.pages
    naive = (band.naive["bytes_in"] + band.naive["bytes_out"]) / band.pages
    bodies = band.steady.get("body_out", 0) / band.pages
    naive_bodies = band.naive.get("body_out", 0) / band.pages
    per_poll = load.bytes_per_poll
    return [
        row(
            "bandwidth, one steady cycle: request + response bytes, headers included",
            f"{steady:.0f} B/page ({bodies:.0f} B of it bodies)",
            f"naive full GET (gzip, as `requests` asks) {naive:.0f} B/page "
            f"({naive_bodies:.0f} B bodies)",
            f"{1 - bodies / max(1.0, naive_bodies):.1%} of body bytes saved; "
            f"{1 - steady / naive:.1%} on the wire",
            f"> 95 % of body bytes: {verdict(bodies < 0.05 * naive_bodies)} "
            "(on the wire: out of reach over HTTP/1.1, see notes)",
        ),
        row(
            "bandwidth, scenario run: every GET (changes, follow-ups, faults) per poll",
            f"{per_poll:.0f} B/poll",
            f"naive full GET {naive:.0f} B/page",
            f"{1 - per_poll / naive:.1%} saved",
            "—",
        ),
    ]


def detection_rows(load: Load) -> list[str]:
    s, polled = load.score, load.poll_lags
    return [
        row(
            f"detection lag, publish → printed line, pages polled every {load.interval} s",
            f"p50 {p(polled, 50)}, p99 {p(polled, 99)} ({len(polled)} updates)",
            f"waiting for the next due poll: uniform 0–{load.interval} s",
            "by class below",
            "—",
        ),
        *lag_rows(load),
        webhook_row(load),
        row(
            f"completeness, {load.pages:,}-page run, scripted incidents and faults",
            f"missed {s.missed} ({s.missed_by_kind.get('update', 0)} incident/maintenance "
            f"updates, {s.missed_by_kind.get('component', 0)} component changes), "
            f"duplicates {s.duplicates}",
            f"{s.expected} updates and component changes published",
            f"{s.printed} lines printed ({s.unexpected} with no publication)",
            f"0 and 0: {verdict(s.missed == 0 and s.duplicates == 0)}",
        ),
        row(
            "… short-lived publications (see notes)",
            f"{s.short - s.short_missed} of {s.short} printed",
            "an incident open, or a status held, for less than one interval",
            "—",
            "—",
        ),
    ]


def cost_row(
    name: str, d: Drain, wire: dict[str, int] | None = None, noop: Drain | None = None
) -> str:
    """`noop`: the worker's CPU is also given as a share of a no-op task's (the target's
    ratio), to two decimals: one decimal of a millisecond moved it by ten points."""
    per = {k: ms(v / d.count) for k, v in d.cpu.items()}
    worker = d.cpu["worker"] / d.count
    if noop is not None:
        per["worker"] = f"{worker * 1000:.2f} ms ({pct(worker, noop.cpu['worker'] / noop.count)})"
    wire_bytes = f"{(wire['bytes_in'] + wire['bytes_out']) / d.count:.0f} B" if wire else "—"
    return row(
        name,
        f"{d.count:,}",
        per["worker"],
        per["redis"],
        per["simulate"],
        per["notifier"],
        f"{d.redis_commands / d.count:.1f}",
        wire_bytes,
    )


def first_polls(run: Run) -> Drain | None:
    """The largest batch of first polls that went through the worker; None when every size
    had its first polls in-process (bench/warm.py), e.g. `--sizes 10000` alone."""
    drains = [r.first for r in run.runs if r.first is not None]
    return max(drains, key=lambda d: d.count) if drains else None


def cost_rows(run: Run) -> list[str]:
    first = first_polls(run)
    rows = [cost_row(f"first poll, {first.count:,} pages", first)] if first else []
    rows += [cost_row(f"304 poll, {r.pages:,} pages", r.steady, r.wire, run.noop) for r in run.runs]
    rows.append(cost_row("no-op task", run.noop, noop=run.noop))
    hooks = sum(run.load.webhooks.values())
    if hooks and "web" in run.load.cpu:
        web = ms(run.load.cpu["web"] / hooks)
        rows.append(
            row(
                "webhook, web process only (phase 2)",
                f"{hooks:,}",
                f"web: {web}",
                "—",
                "—",
                "—",
                "—",
                "—",
            )
        )
    return rows


def all_rows(run: Run) -> list[str]:
    return [
        *throughput_rows(run),
        *schedule_rows(run.load, run.latency),
        *bandwidth_rows(run.band, run.load),
        *detection_rows(run.load),
    ]


def webhook_rate_rows(runs: list[dict[str, Any]]) -> list[str]:
    """One row per fixed rate of `bench/webhook.py` (its JSON), and the target's verdict."""
    rows = []
    for w in runs:
        line, base = [v / 1000 for v in w["web_ms"]], [v / 1000 for v in w["base_ms"]]
        cpu = ", ".join(f"{n} {s * 1000 / w['paced']:.1f} ms" for n, s in w["cpu"].items())
        target = f"p99 < 100 ms: {verdict(percentile(line, 99) < 0.1)}" if w["rate"] >= 200 else "—"
        rows.append(
            row(
                f"{w['rate']:g}/s ({w['paced']:,} posts)",
                f"p50 {ms(percentile(line, 50))}, p99 {ms(percentile(line, 99))}",
                f"p50 {ms(percentile(base, 50))}, p99 {ms(percentile(base, 99))}",
                f"{percentile(w['web_http'], 99):.0f} ms / {percentile(w['noop_http'], 99):.0f} ms",
                cpu,
                target,
            )
        )
    return rows
