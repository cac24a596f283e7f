"""One poll against a real loopback server and a real Redis: conditional GETs and bad responses.

A bad response (error status, HTML challenge, truncated or oddly-typed JSON, no server) logs one
warning naming the page and yields no events; the page keeps its state and is polled again.
"""

from __future__ import annotations

import json
import logging
import time

import pytest

from monitor import backoff, keys, store
from monitor.backoff import backoff_remaining
from monitor.cli.redis_server import free_port
from monitor.events import StatusEvent
from monitor.pages import PageConfig
from monitor.poll import Poller
from monitor.request import parse_retry_after
from monitor.session import new_session
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory
from tests.support.wait import wait_until

SUMMARY = "/api/v2/summary.json"
CLOCK = 1e-6  # seconds: time.time() as a float is exact to about 0.2 µs


class Run:
    """One Statuspage page polled in-process by a Poller on the suite's Redis."""

    def __init__(
        self,
        r: store.Redis,
        url: str,
        page_id: str = "claude",
        timeout: float = 5,
        backoff_base: float = 0.05,
    ) -> None:
        self.page = PageConfig(page_id, page_id.title(), url, "statuspage")
        self.poller = Poller(r, new_session(), timeout=timeout, backoff_base=backoff_base)
        self.events: list[StatusEvent] = []
        self.r = r

    def poll(self) -> str:
        return self.poller.poll(self.page, self.events.extend).outcome

    def wait_out_backoff(self, timeout: float = 10) -> None:
        """Until the host's back-off has passed (it ends with the clock: nothing announces it)."""
        host = self.page.host
        wait_until(
            lambda: backoff.backoff_remaining(self.r, host) == 0, f"{host} back-off", timeout
        )

    def poll_when_allowed(self, timeout: float = 10) -> str:
        """Poll again once the host's back-off has passed."""
        self.wait_out_backoff(timeout)
        return self.poll()


@pytest.fixture
def run(r: store.Redis, pages: PageServer) -> Run:
    return Run(r, pages.url)


@pytest.fixture
def story() -> StatuspageStory:
    return StatuspageStory()


def test_an_unchanged_page_is_answered_304_and_not_parsed(
    run: Run, pages: PageServer, story
) -> None:
    pages.set_json(SUMMARY, story.summary("operational"))
    assert [run.poll(), run.poll(), run.poll()] == ["changed", "not_modified", "not_modified"]
    assert pages.not_modified[SUMMARY] == 2


def test_without_validators_an_unchanged_body_hash_skips_parsing(
    run: Run, pages: PageServer, story
) -> None:
    pages.set_json(SUMMARY, story.summary("operational"), etag=False)
    assert [run.poll(), run.poll()] == ["changed", "not_modified"]
    assert pages.not_modified[SUMMARY] == 0


def test_a_server_with_only_last_modified_is_asked_if_modified_since(
    run: Run, pages: PageServer, story
) -> None:
    date = "Tue, 24 Nov 2026 10:00:00 GMT"
    pages.set_json(SUMMARY, story.summary("operational"), etag=False, last_modified=date)
    assert [run.poll(), run.poll()] == ["changed", "not_modified"]
    assert pages.not_modified[SUMMARY] == 1


def test_a_page_of_no_known_platform_is_not_retried_early(
    r: store.Redis, pages: PageServer
) -> None:
    page = PageConfig("odd", "Odd", pages.url, None)  # kind omitted: probed on first poll
    pages.set(SUMMARY, "<html>a blog</html>", headers={"Content-Type": "text/html"})
    result = Poller(r, new_session(), timeout=5).poll(page, lambda events: None)
    assert (result.outcome, result.retry_at) == ("error", None)
    assert not r.exists(keys.backoff(pages.host))  # a 404 everywhere else is no server trouble


def test_a_page_that_stays_unreadable_backs_off_longer_each_time(
    run: Run, pages: PageServer
) -> None:
    pages.set(SUMMARY, '{"page": {"id"', headers={"Content-Type": "application/json"})
    assert run.poll() == "error"
    assert run.poll_when_allowed() == "error"
    assert run.r.hget(keys.backoff(pages.host), "failures") == "2"  # a 200 alone clears nothing


@pytest.mark.parametrize(
    ("status", "body", "headers", "says"),
    [
        (500, "oops", {}, "HTTP 500"),
        (503, "busy", {"Retry-After": "1"}, "HTTP 503"),
        (404, "gone", {}, "HTTP 404"),
        (
            200,
            "<html><title>Just a moment...</title></html>",
            {"Content-Type": "text/html"},
            "an HTML page",
        ),
        (
            200,
            '{"page": {"id": "x", "name": "Claude"}, "components": [{"id": "a", "na',
            {},
            "not JSON (truncated?)",
        ),
        (
            200,
            '{"page": {"id": "x", "name": "Claude"}, "components": "none"}',
            {},
            "components: expected a list, got str",
        ),
        (
            200,
            '{"page": {"id": "x"}, "components": [{"id": 7, "name": "A", "status": null}]}',
            {},
            "components[0].status: expected a string, got NoneType",
        ),
        (200, "[]", {}, "summary.json: expected an object, got list"),
    ],
    ids=[
        "500",
        "503",
        "404",
        "html-challenge",
        "truncated",
        "components-not-a-list",
        "status-null",
        "array",
    ],
)
def test_a_bad_response_warns_once_yields_no_events_and_keeps_the_state(
    run: Run,
    pages: PageServer,
    story,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: str,
    headers: dict[str, str],
    says: str,
) -> None:
    pages.set_json(SUMMARY, story.summary("degraded_performance"))
    assert run.poll() == "changed"
    before = store.load_state(run.r, "claude")
    printed = len(run.events)
    pages.set(SUMMARY, body, status, headers=headers)
    with caplog.at_level(logging.WARNING, logger="statusmon.poll"):
        assert run.poll() == "error"
    (warning,) = caplog.records
    assert warning.getMessage().startswith("page claude: ") and says in warning.getMessage()
    assert len(run.events) == printed
    assert store.load_state(run.r, "claude") == before

    pages.set_json(SUMMARY, story.summary("operational", changed="11:00"))
    assert run.poll_when_allowed() == "changed"  # the page keeps being polled
    assert [e.status for e in run.events[printed:]] == ["operational"]


def test_a_429_backs_the_host_off_for_at_least_retry_after(run: Run, pages: PageServer) -> None:
    pages.set(SUMMARY, "slow down", 429, headers={"Retry-After": "120"})
    assert run.poll() == "error"
    assert backoff_remaining(run.r, pages.host) > 115
    assert run.poll() == "backed_off"
    assert pages.hits[SUMMARY] == 1


def test_repeated_errors_back_off_longer_each_time(run: Run, pages: PageServer) -> None:
    pages.set(SUMMARY, "down", 502)
    base = run.poller.backoff_base
    for failures in range(1, 5):
        run.wait_out_backoff()
        before = time.time()
        assert run.poll() == "error"
        after = time.time()
        until = backoff.backoff_until(run.r, pages.host)
        assert until is not None
        assert run.r.hget(keys.backoff(pages.host), "failures") == str(failures)
        # Full jitter: the delay, recorded at some instant between `before` and `after`, is
        # drawn from [base, base * 2**(failures-1)]; CLOCK allows for float rounding of the time.
        assert until - before >= base - CLOCK
        assert until - after <= base * 2 ** (failures - 1) + CLOCK


def test_the_back_off_window_doubles_with_each_failure_up_to_the_cap(r: store.Redis) -> None:
    base = keys.BACKOFF_CAP / 8

    def window_end(low: float, high: float) -> float:
        return high

    delays = [backoff.record_failure(r, "host.test", None, base, window_end) for _ in range(5)]
    assert delays == [base, 2 * base, 4 * base, 8 * base, keys.BACKOFF_CAP]
    assert backoff.backoff_remaining(r, "host.test") > keys.BACKOFF_CAP - 60


def test_the_back_off_window_starts_at_the_base_and_yields_to_a_longer_retry_after(
    r: store.Redis,
) -> None:
    def window_start(low: float, high: float) -> float:
        return low

    delays = [backoff.record_failure(r, "host.test", None, 2.0, window_start) for _ in range(3)]
    assert delays == [2.0, 2.0, 2.0]
    assert backoff.record_failure(r, "host.test", 120.0, 2.0, window_start) == 120.0


def test_a_server_that_is_not_there_is_a_transient_error(r: store.Redis) -> None:
    run = Run(r, f"http://127.0.0.1:{free_port()}", page_id="gone", timeout=2, backoff_base=5)
    assert run.poll() == "error"
    assert backoff_remaining(r, run.page.host) > 0


def test_a_resolved_incident_whose_final_update_cannot_be_read_is_retried(
    run: Run, pages: PageServer, story
) -> None:
    a1 = ("u1", "investigating", "Looking.")
    a2 = ("u2", "resolved", "Fixed.")
    pages.set_json(SUMMARY, story.summary("operational", story.incident("incA", "Errors", a1)))
    assert run.poll() == "changed"
    pages.set_json(SUMMARY, story.summary("operational"))
    pages.set("/api/v2/incidents.json", "oops", 500)
    assert run.poll() == "error"
    assert store.load_state(run.r, "claude").open_incident_ids() == ["incA"]
    pages.set_json(
        "/api/v2/incidents.json", story.incidents_json(story.incident("incA", "Errors", a1, a2))
    )
    assert run.poll_when_allowed() == "changed"
    assert [(e.update_id, e.status) for e in run.events] == [
        ("u1", "investigating"),
        ("u2", "resolved"),
    ]


def test_an_incident_missing_everywhere_is_closed_with_one_honest_line(
    run: Run, pages: PageServer, story
) -> None:
    pages.set_json(
        SUMMARY,
        story.summary(
            "operational", story.incident("incA", "Errors", ("u1", "investigating", "x"))
        ),
    )
    assert run.poll() == "changed"
    pages.set_json(SUMMARY, story.summary("operational"))
    pages.set_json("/api/v2/incidents.json", story.incidents_json())
    assert run.poll() == "changed"
    last = run.events[-1]
    assert (last.incident_name, last.status, last.body) == (
        "Errors",
        "resolved",
        "This incident is no longer listed on the status page.",
    )


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412500.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_state_round_trips_through_redis_as_json(run: Run, pages: PageServer, story) -> None:
    pages.set_json(SUMMARY, story.summary("major_outage"))
    run.poll()
    raw = run.r.get(keys.state("claude"))
    assert json.loads(raw)["components"][story.component]["status"] == "major_outage"


def test_an_instatus_page_is_read_from_its_components_and_its_summary(
    r: store.Redis, pages: PageServer
) -> None:
    from tests.paths import FIXTURES

    page = PageConfig("perplexity", "Perplexity", pages.url, "instatus")
    poller = Poller(r, new_session(), timeout=5)
    events: list[StatusEvent] = []
    pages.set(
        "/v2/components.json", (FIXTURES / "instatus/perplexity-v2-components.json").read_bytes()
    )
    incident = {
        "name": "API errors",
        "started": "2026-09-04T10:00:00.000Z",
        "status": "INVESTIGATING",
        "impact": "MAJOROUTAGE",
        "url": f"{pages.url}/incident/cl4a8n3070721qtmzvts760c4",
    }
    page_obj = {"name": "Perplexity", "url": pages.url, "status": "HASISSUES"}
    pages.set_json("/summary.json", {"page": page_obj, "activeIncidents": [incident]})
    assert poller.poll(page, events.extend).outcome == "changed"
    assert [(e.kind, e.status, e.incident_name) for e in events] == [
        ("incident", "investigating", "API errors")
    ]
    assert poller.poll(page, events.extend).outcome == "not_modified"
    assert pages.not_modified["/summary.json"] == pages.not_modified["/v2/components.json"] == 1
