"""An incident's life behind a simulated page that misbehaves between steps, on real workers.

Between the steps the page answers 429 + Retry-After, 500, Cloudflare's HTML challenge and
truncated JSON. Each bad answer is a poll with no events and one warning naming the page; the
page is polled again (after the host's back-off, which honours Retry-After) and every update
is printed exactly once, in order.
"""

from __future__ import annotations

import time
from typing import Any

from celery.result import AsyncResult

from monitor import store
from monitor.backoff import backoff_remaining
from monitor.pages import PageConfig
from monitor.registry import sync_pages
from monitor.simulate.model import Publication
from monitor.simulate.server import SimServer
from tests.support.celery_workers import Workers
from tests.support.procs import records
from workers.tasks import poll

API = 2  # Claude's "Claude API (api.anthropic.com)"
PRODUCT = "Sim 0 - Claude API (api.anthropic.com)"


class Page:
    def __init__(self, sim: SimServer, r: store.Redis, workers: Workers) -> None:
        self.sim, self.r, self.workers = sim, r, workers
        model = sim.world.pages[0]
        self.config = PageConfig(model.model.page_id, model.name, model.base, "statuspage")
        sync_pages(r, [self.config], time.time())
        self.log_start = workers.poll.log_path.stat().st_size
        self.lines_start = len(workers.notifier.lines)
        self.published: list[Publication] = []

    def step(self, **step: Any) -> None:
        self.published += self.sim.apply({"page": 0, **step})

    def fault(self, mode: str, **extra: Any) -> None:
        self.sim.apply({"page": 0, "do": "fault", "mode": mode, **extra})

    def poll(self, countdown: float = 0.0) -> tuple[str, list[str]]:
        """One poll on the real workers; waits until each event it sent was handled."""
        result: dict[str, Any] = poll.apply_async((self.config.id,), countdown=countdown).get(60)
        return result["outcome"], [AsyncResult(t).get(timeout=60) for t in result["notify"]]

    def poll_after_backoff(self) -> tuple[str, list[str]]:
        """The next poll, sent for when the host's back-off ends (as the schedule would)."""
        return self.poll(backoff_remaining(self.r, self.config.host) + 0.2)

    def warnings(self) -> list[str]:
        with open(self.workers.poll.log_path, encoding="utf-8", errors="replace") as log:
            log.seek(self.log_start)
            return [line for line in log if "WARNING" in line and f"page {self.config.id}:" in line]

    def printed(self) -> list[str]:
        count = len(self.published) * 2
        return records(
            self.workers.notifier.wait_lines(self.lines_start + count)[self.lines_start :]
        )

    def when(self, index: int) -> str:
        return self.published[index].occurred_at.replace("T", " ")[:19]


def test_every_update_between_bad_answers_is_printed_exactly_once(
    r: store.Redis, sim: SimServer, workers: Workers
) -> None:
    page = Page(sim, r, workers)
    assert page.poll() == ("changed", [])  # first poll: all operational, nothing to say

    page.fault("429", retry_after=6)
    assert page.poll() == ("error", [])
    assert backoff_remaining(r, page.config.host) > 5  # at least the Retry-After
    page.step(do="open", incident="a", name="Errors", components=[API])
    assert page.poll_after_backoff() == ("changed", ["printed", "printed"])

    page.fault("500")
    assert page.poll() == ("error", [])
    page.step(do="update", incident="a", status="identified", body="Found it.")
    page.step(do="update", incident="a", status="monitoring", body="Fix deployed.")
    assert page.poll_after_backoff() == ("changed", ["printed", "printed"])

    page.fault("challenge")
    assert page.poll() == ("error", [])  # a 403 challenge is no transient error: no back-off
    page.step(do="resolve", incident="a")  # leaves summary.json, stays in incidents.json
    page.fault("truncated")
    assert page.poll() == ("error", [])  # a cut-off body backs the host off like a 5xx
    assert page.poll_after_backoff() == ("changed", ["printed", "printed"])
    assert page.poll() == ("not_modified", [])

    warnings = page.warnings()
    assert len(warnings) == 4
    for warning, says in zip(
        warnings,
        ["fetch failed (HTTP 429)", "fetch failed (HTTP 500)", "fetch failed (HTTP 403)"]
        + ["unreadable response, no events: summary.json: not JSON (truncated?)"],
        strict=True,
    ):
        assert says in warning
    assert page.printed() == [
        f"[{page.when(0)}] Product: {PRODUCT} | Status: Degraded Performance (was Operational)",
        f"[{page.when(1)}] Product: {PRODUCT} | Status: Investigating - "
        "We are currently investigating this issue.",
        f"[{page.when(2)}] Product: {PRODUCT} | Status: Identified - Found it.",
        f"[{page.when(3)}] Product: {PRODUCT} | Status: Monitoring - Fix deployed.",
        f"[{page.when(4)}] Product: {PRODUCT} | Status: Operational (was Degraded Performance)",
        f"[{page.when(5)}] Product: {PRODUCT} | Status: Resolved - This incident has been resolved.",
    ]
    assert len(workers.notifier.lines) - page.lines_start == 2 * len(page.published)
    assert sim.world.stats.faults == {"429": 1, "500": 1, "challenge": 1, "truncated": 1}
