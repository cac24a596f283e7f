"""Adaptive intervals: an active page is polled at its active interval, a quiet one at its own,
decided by the poll that read it (on a real loopback page and the suite's real Redis)."""

from __future__ import annotations

import json
import time

import pytest

from monitor import keys, store
from monitor.config import parse_pages
from monitor.events import StatusEvent
from monitor.pace import (
    CHANGE,
    COMPONENT,
    INCIDENT,
    MAINTENANCE,
    QUIET,
    active_interval,
    decide,
    max_age,
    why_active,
)
from monitor.pages import ConfigError, PageConfig
from monitor.poll import Poller
from monitor.registry import sync_pages
from monitor.session import new_session
from monitor.state import ComponentState, IncidentState, PageState
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory
from tests.support.wait import wait_until

SUMMARY = "/api/v2/summary.json"


def page(**kw: int) -> PageConfig:
    return PageConfig("claude", "Claude", "https://status.example", "statuspage", **kw)


def state(
    components: dict[str, str] | None = None, incidents: dict[str, IncidentState] | None = None
) -> PageState:
    comps = {
        k: ComponentState(v, v, f"C{k}") for k, v in (components or {"a": "operational"}).items()
    }
    return PageState("statuspage", "pg", comps, incidents or {}, baselined=True)


def test_the_active_interval_is_never_below_max_age_or_five_seconds_nor_above_the_interval() -> (
    None
):
    assert active_interval(page()) == 10
    assert active_interval(page(), 30) == 30  # a poll sooner reads the same cached copy
    assert active_interval(page(interval_active=5), 0) == 5
    assert active_interval(page(interval=8, interval_active=30)) == 8
    assert active_interval(page(interval=60, interval_active=10), 600) == 60


def test_max_age_is_read_from_cache_control_and_only_from_its_max_age() -> None:
    assert max_age("max-age=10, public, s-maxage=30, stale-while-revalidate=20") == 10
    assert max_age("public, MAX-AGE = 42") == 42
    assert max_age("s-maxage=30") == 0
    assert max_age("private, no-store") == 0
    assert max_age("max-age=soon") == 0
    assert max_age(None) == 0


def test_an_open_incident_a_maintenance_under_way_or_a_broken_component_make_a_page_active() -> (
    None
):
    open_incident = IncidentState("investigating", "Errors on the API")
    under_way = IncidentState("in_progress", "DB upgrade", maintenance=True)
    scheduled = IncidentState("scheduled", "Next week", maintenance=True)
    closed = IncidentState("resolved", "Old", closed_at="2026-09-04T10:00:00+00:00")
    assert why_active(state(incidents={"i": open_incident})) == (INCIDENT, "Errors on the API")
    assert why_active(state(incidents={"m": under_way})) == (MAINTENANCE, "DB upgrade")
    assert why_active(state({"a": "degraded"})) == (COMPONENT, "Ca degraded")
    assert why_active(state(incidents={"s": scheduled, "c": closed})) == (QUIET, "")


def test_a_change_keeps_a_quiet_page_active_for_its_window_then_it_is_quiet() -> None:
    changed = decide(page(active_window=600), state(), True, 1000.0, 0)
    assert (changed.reason, changed.interval, changed.until) == (CHANGE, 10, 1600.0)
    quiet = decide(page(), state(), False, 1000.0, 0)
    assert (quiet.reason, quiet.interval, quiet.until) == (QUIET, 60, 0.0)
    assert decide(page(active_window=0), state(), True, 1000.0, 0).reason == QUIET


def test_pages_yaml_takes_interval_active_and_active_window_and_refuses_bad_ones() -> None:
    raw = [{"id": "a", "name": "A", "url": "https://a.io", "interval_active": 15}]
    (parsed,) = parse_pages(raw, "pages.yaml")
    assert (parsed.interval_active, parsed.active_window) == (15, 600)
    bad = [{"id": "a", "name": "A", "url": "https://a.io", "interval_active": 2}]
    bad.append({"id": "b", "name": "B", "url": "https://b.io", "active_window": "10m"})
    with pytest.raises(ConfigError) as err:
        parse_pages(bad, "pages.yaml")
    assert err.value.problems == [
        "pages.yaml: page 'a': field 'interval_active': 2 must be whole seconds ≥ 5",
        "pages.yaml: page 'b': field 'active_window': '10m' must be whole seconds ≥ 0",
    ]


class Watched:
    """One Statuspage page in the registry and schedule, polled in-process by a Poller."""

    def __init__(self, r: store.Redis, pages: PageServer, window: int = 600) -> None:
        self.r, self.pages, self.story = r, pages, StatuspageStory()
        self.page = PageConfig(
            "claude", "Claude", f"{pages.url}/claude", "statuspage", 60, active_window=window
        )
        self.path = f"/claude{SUMMARY}"
        self.serve()
        sync_pages(r, [self.page], 0.0)
        self.poller = Poller(r, new_session(), timeout=5)
        self.events: list[StatusEvent] = []

    def serve(self, *args: object, age: int = 0) -> None:
        headers = {"Content-Type": "application/json"}
        if age:
            headers["Cache-Control"] = f"max-age={age}, public"
        body = json.dumps(self.story.summary(*args))  # type: ignore[arg-type]
        self.pages.set(self.path, body, headers=headers)

    def poll(self) -> str:
        return self.poller.poll(self.page, self.events.extend).outcome

    def claimed_at(self, due: float) -> None:
        """The schedule as the claim leaves it for a poll due at `due` (next due: a step on)."""
        interval = int(self.r.hget(keys.INTERVALS, "claude") or 0)
        self.r.zadd(keys.SCHEDULE, {"claude": due + interval})

    def interval(self) -> int:
        return int(self.r.hget(keys.INTERVALS, "claude") or 0)

    def pace(self) -> dict[str, str]:
        return self.r.hgetall(keys.pace("claude"))  # type: ignore[return-value]


def test_an_incident_moves_the_page_to_its_active_interval_on_its_own_phase(
    r: store.Redis, pages: PageServer
) -> None:
    w = Watched(r, pages)
    assert w.poll() == "changed"  # the baseline: quiet
    assert (w.interval(), w.pace()["reason"]) == (60, QUIET)
    w.serve("major_outage", w.story.incident("inc1", "API errors", ("u1", "investigating", "x")))
    due = time.time()
    w.claimed_at(due)  # the claim moved it to due + 60
    assert w.poll() == "changed"
    assert (w.interval(), w.pace()["reason"], w.pace()["detail"]) == (10, INCIDENT, "API errors")
    assert r.zscore(keys.SCHEDULE, "claude") == pytest.approx(due + 10)  # same phase, 10 s apart


def test_a_page_stays_active_through_304s_and_falls_back_when_its_change_window_passes(
    r: store.Redis, pages: PageServer
) -> None:
    w = Watched(r, pages, window=1)
    w.poll()
    w.serve("degraded")
    w.poll()
    w.serve("operational")  # recovered: a change, active for 1 s more
    due = time.time()
    w.claimed_at(due)
    w.poll()
    assert (w.interval(), w.pace()["reason"]) == (10, CHANGE)
    assert w.poll() == "not_modified"
    assert w.interval() == 10  # the window is still open
    until = float(w.pace()["until"])
    wait_until(lambda: time.time() > until, "the change window to pass", timeout=10)
    w.claimed_at(due + 10)  # its next active poll was claimed: due + 20 is next
    assert w.poll() == "not_modified"
    assert (w.interval(), w.pace()["reason"]) == (60, QUIET)
    assert r.zscore(keys.SCHEDULE, "claude") == pytest.approx(due + 70)  # back to 60 s


def test_the_active_interval_follows_the_pages_cache_control_max_age(
    r: store.Redis, pages: PageServer
) -> None:
    w = Watched(r, pages)
    w.poll()
    w.serve("partial_outage", age=25)
    w.poll()
    assert (w.interval(), w.pace()["max_age"]) == (25, "25")


def test_a_sync_keeps_an_active_pages_interval_and_a_removed_page_loses_its_pace(
    r: store.Redis, pages: PageServer
) -> None:
    w = Watched(r, pages)
    w.poll()
    w.serve("major_outage")
    w.poll()
    sync_pages(r, [w.page], time.time())
    assert w.interval() == 10
    sync_pages(r, [], time.time())
    assert (r.hget(keys.INTERVALS, "claude"), w.pace()) == (None, {})


def test_a_page_removed_while_it_was_polled_is_not_put_back_in_the_schedule(
    r: store.Redis, pages: PageServer
) -> None:
    w = Watched(r, pages)
    w.poll()
    w.serve("major_outage")
    sync_pages(r, [], time.time())  # removed while its poll runs
    w.poll()
    assert r.hget(keys.INTERVALS, "claude") is None
    assert r.zscore(keys.SCHEDULE, "claude") is None
    assert r.exists(keys.pace("claude")) == 0
