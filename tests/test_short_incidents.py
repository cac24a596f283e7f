"""An incident that opened and closed between two polls, or behind a failed poll, never showed
in a summary we read; it is still in the page's history (`incidents.json`, maintenances in
`scheduled-maintenances.json`) and is printed in full. Incidents closed before the page's first poll stay history."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from monitor import backoff, store
from monitor.adapters.statuspage import StatuspageAdapter
from monitor.detect import diff
from monitor.events import StatusEvent
from monitor.model import Snapshot
from monitor.pages import PageConfig
from monitor.poll import Poller
from monitor.session import new_session
from monitor.simulate.server import SimServer
from tests.support.wait import wait_until


class Page:
    def __init__(self, r: store.Redis, sim: SimServer) -> None:
        self.sim, self.r = sim, r
        self.config = PageConfig("sim00000", "Sim 0", sim.url(0), "statuspage")
        self.poller = Poller(r, new_session(), timeout=5, backoff_base=0.05)
        self.events: list[StatusEvent] = []

    def poll(self) -> str:
        return self.poller.poll(self.config, self.events.extend).outcome

    def wait_out_backoff(self) -> None:
        """Until the host's back-off has passed (it ends with the clock: nothing announces it)."""
        host = self.config.host
        wait_until(lambda: backoff.backoff_remaining(self.r, host) == 0, f"{host} back-off")

    def step(self, **step: object) -> None:
        self.sim.apply({"page": 0, **step})

    def printed(self) -> list[tuple[str, str]]:
        return [(e.kind, e.status) for e in self.events]


def test_an_incident_opened_and_resolved_between_two_polls_is_printed_in_full(
    r: store.Redis, sim: SimServer
) -> None:
    page = Page(r, sim)
    assert page.poll() == "changed"
    page.step(do="open", incident="a", name="Blip", components=[2])
    page.step(do="update", incident="a", status="identified")
    page.step(do="resolve", incident="a")

    assert page.poll() == "changed"
    assert page.printed() == [
        ("incident", "investigating"),
        ("incident", "identified"),
        ("incident", "resolved"),
    ]
    assert page.poll() == "not_modified"


def test_a_maintenance_scheduled_and_completed_between_two_polls_is_printed_in_full(
    r: store.Redis, sim: SimServer
) -> None:
    """Statuspage lists maintenances in scheduled-maintenances.json, never in incidents.json
    (seen in `make chaos`: maintenances that ran while Redis was down were never printed)."""
    page = Page(r, sim)
    assert page.poll() == "changed"
    for phase in ("scheduled", "in_progress", "completed"):
        page.step(do="maintenance", maintenance="m", phase=phase, components=[1])

    assert page.poll() == "changed"
    assert [p for p in page.printed() if p[0] == "maintenance"] == [
        ("maintenance", "scheduled"),
        ("maintenance", "in_progress"),
        ("maintenance", "completed"),
    ]
    assert page.poll() == "not_modified"


def test_an_incident_hidden_behind_a_failed_poll_is_printed_once(
    r: store.Redis, sim: SimServer
) -> None:
    page = Page(r, sim)
    page.poll()
    page.step(do="open", incident="a", name="Errors", components=[2])
    page.step(do="fault", mode="500")
    assert page.poll() == "error"
    page.step(do="resolve", incident="a")
    page.wait_out_backoff()  # a 50 ms back-off

    assert page.poll() == "changed"
    assert page.printed() == [("incident", "investigating"), ("incident", "resolved")]


def test_incidents_closed_before_the_first_poll_stay_history(
    r: store.Redis, sim: SimServer
) -> None:
    page = Page(r, sim)
    page.step(do="open", incident="old", name="Before our time")
    page.step(do="resolve", incident="old")
    assert page.poll() == "changed"
    page.step(do="component", component=0, status="partial_outage")

    assert page.poll() == "changed"
    assert page.printed() == [("component", "partial_outage")]


def test_a_webhook_between_two_polls_keeps_the_history_lookback(
    r: store.Redis, sim: SimServer
) -> None:
    page = Page(r, sim)
    page.poll()
    state = store.load_state(r, page.config.id)
    assert state is not None and state.news_since is not None
    partial = Snapshot(page.config.name, {}, {}, complete=False)  # what a webhook gives
    after = diff(page.config, "statuspage", state, partial, datetime.now(UTC), "webhook")
    assert after.state.news_since == state.news_since


def test_a_maintenance_in_the_history_is_read_as_a_maintenance() -> None:
    history = {
        "incidents": [
            {"id": "m1", "name": "DB upgrade", "status": "completed", "impact": "maintenance",
             "scheduled_for": "2026-11-27T10:00:00.000Z", "incident_updates": [
                 {"id": "u1", "status": "completed", "body": "Done.",
                  "created_at": "2026-11-27T11:00:00.000Z"}]},
            {"id": "i1", "name": "Errors", "status": "resolved", "impact": "minor",
             "incident_updates": [{"id": "u2", "status": "resolved", "body": "Fixed.",
                                   "created_at": "2026-11-27T11:00:00.000Z"}]},
        ]
    }  # fmt: skip
    config = PageConfig("p", "P", "https://status.example.com", "statuspage")
    since = datetime(2026, 11, 27, tzinfo=UTC)
    found = StatuspageAdapter().recent(config, lambda url: json.dumps(history).encode(), since)
    assert {i: inc.is_maintenance for i, inc in found.items()} == {"m1": True, "i1": False}
