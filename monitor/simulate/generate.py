"""A random but reproducible scenario for load runs, timed against the poll interval `gap`.

Incident lifecycles (open → identified/monitoring, sometimes two updates half a second apart →
resolved) last longer than one interval, so a poller on schedule must see each open; flaps and
maintenance phases last longer than an interval too. `short` incidents open and resolve within
a third of an interval: a poller sees them only if a poll happens to fall inside (a probe of
what polling cannot promise). Faults land on `fault_pages`, some right after an update.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.simulate.pages import Layout
from monitor.simulate.scenario import Scenario, Step

BAD = {
    "statuspage": ("degraded_performance", "partial_outage", "major_outage"),
    "incidentio": ("degraded_performance", "partial_outage", "full_outage"),
}
FAULTS = ("429", "500", "503", "challenge", "truncated", "reset", "slow")


@dataclass(frozen=True)
class Mix:
    incidents: int = 50
    short: int = 5
    flaps: int = 30
    maintenances: int = 10
    renames: int = 10
    faults: int = 20
    start: float = 30.0  # first steps happen in [0, start]
    gap: float = 60.0  # the poll interval the timings are made for
    burst: float = 0.5  # seconds between two updates published "at once"


def generate(layout: Layout, mix: Mix, seed: int = 1, fault_pages: Sequence[int] = ()) -> Scenario:
    rng = random.Random(seed)
    faulty = sorted(set(fault_pages))
    others = [n for n in range(layout.pages) if n not in set(faulty)] or faulty
    near = rng.sample(faulty, min(len(faulty), mix.incidents // 4))
    count = mix.incidents + mix.short + mix.flaps + mix.maintenances + mix.renames
    chosen = near + rng.sample(others, min(count - len(near), len(others)))
    steps: list[Step] = []
    bounds = _bounds(mix)
    for i, n in enumerate(chosen):
        kind, t = layout.kind(n), round(rng.uniform(0, mix.start), 1)
        if i < bounds[0]:
            lifecycle = _incident(rng, n, kind, t, mix)
            steps += lifecycle
            if n in near:  # a bad answer between two steps of the lifecycle
                steps.append(_fault(rng, n, (rng.choice(lifecycle[:-1]).at or 0.0) + 0.2))
        elif i < bounds[1]:
            steps += _short(rng, n, kind, t, mix)
        elif i < bounds[2]:
            back = t + rng.uniform(1.1, 1.5) * mix.gap
            steps += [
                Step("component", n, t, {"component": 0, "status": rng.choice(BAD[kind])}),
                Step("component", n, round(back, 1), {"component": 0, "status": "operational"}),
            ]
        elif i < bounds[3] and kind == "statuspage":
            steps += _maintenance(rng, n, t, mix)
        else:
            steps.append(Step("rename", n, t, {"component": 1, "name": f"Renamed component {n}"}))
    pool = faulty or list(range(layout.pages))
    for n in rng.sample(pool, min(max(0, mix.faults - len(near)), len(pool))):
        steps.append(_fault(rng, n, rng.uniform(0, mix.start + mix.gap)))
    return Scenario(tuple(sorted(steps, key=lambda s: s.at or 0.0)))


def _bounds(mix: Mix) -> tuple[int, int, int, int]:
    a = mix.incidents
    b = a + mix.short
    c = b + mix.flaps
    return a, b, c, c + mix.maintenances


def _fault(rng: random.Random, n: int, at: float) -> Step:
    mode = rng.choice(FAULTS)
    return Step("fault", n, round(at, 1), {"mode": mode, "count": 1, "retry_after": 10})


def _incident(rng: random.Random, n: int, kind: str, t: float, mix: Mix) -> list[Step]:
    label, opened = f"inc{n}", t
    comp = {"components": [rng.randrange(3)], "component_status": rng.choice(BAD[kind])}
    steps = [Step("open", n, t, {"incident": label, "name": f"Errors on page {n}", **comp})]
    for status in rng.sample(["identified", "monitoring"], rng.randint(1, 2)):
        t = round(t + rng.uniform(0.25, 0.5) * mix.gap, 1)
        steps.append(Step("update", n, t, {"incident": label, "status": status}))
        if rng.random() < 0.5:  # a second update before any poll can see the first
            t = round(t + mix.burst, 1)
            more = {"incident": label, "status": status, "body": "More details."}
            steps.append(Step("update", n, t, more))
    t = round(max(t + rng.uniform(0.25, 0.5) * mix.gap, opened + 1.1 * mix.gap), 1)
    return [*steps, Step("resolve", n, t, {"incident": label})]


def _short(rng: random.Random, n: int, kind: str, t: float, mix: Mix) -> list[Step]:
    label = f"short{n}"
    opened = {"incident": label, "name": f"Blip on page {n}", "components": [0]}
    end = round(t + rng.uniform(0.05, 0.3) * mix.gap, 1)
    return [Step("open", n, t, opened), Step("resolve", n, end, {"incident": label})]


def _maintenance(rng: random.Random, n: int, t: float, mix: Mix) -> list[Step]:
    steps = []
    for phase in ("scheduled", "in_progress", "completed"):
        args = {"maintenance": f"mnt{n}", "phase": phase, "name": "Database upgrade"}
        steps.append(Step("maintenance", n, round(t, 1), {**args, "components": [0]}))
        t += rng.uniform(1.02, 1.08) * mix.gap
    return steps
