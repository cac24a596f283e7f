"""A changed poll's follow-up reads (monitor.reads, monitor.backfill): the page's history is
read side by side, each URL at most once a poll, and a read that fails fails the poll as it
did when the reads went one after the other. Real Redis, real loopback servers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from monitor import store
from monitor.pages import PageConfig
from monitor.poll import Poller
from monitor.session import new_session
from tests.support.hostile import Behaviour, Client, HostileServer, body
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory

INCIDENTS, MAINTENANCES = "/api/v2/incidents.json", "/api/v2/scheduled-maintenances.json"
SUMMARY = "/api/v2/summary.json"


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer()
    yield server
    server.close()


@pytest.fixture
def pages() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()


def together(barrier: threading.Barrier, answer: Behaviour) -> Behaviour:
    """Answer only once every request the barrier counts has arrived (a 503 if they do not,
    within 5 s: read one after the other, the first waits for a second that never comes)."""

    def behaviour(client: Client) -> None:
        try:
            barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            client.head("503 Service Unavailable", {"Content-Length": "0"})
            return
        answer(client)

    return behaviour


def poller(r: store.Redis) -> Poller:
    return Poller(r, new_session(), timeout=8)


def test_a_changed_polls_history_is_read_side_by_side(
    r: store.Redis, hostile: HostileServer
) -> None:
    story = StatuspageStory()
    page = PageConfig("p1", "P", hostile.url, "statuspage")
    events: list[Any] = []
    hostile.on(SUMMARY, body(story.summary()))
    assert poller(r).poll(page, events.extend).outcome == "changed"  # the baseline
    barrier = threading.Barrier(2)
    hostile.on(SUMMARY, body(story.summary("major_outage")))
    hostile.on(INCIDENTS, together(barrier, body(story.incidents_json())))
    hostile.on(MAINTENANCES, together(barrier, body({"scheduled_maintenances": []})))

    result = poller(r).poll(page, events.extend)

    assert result.outcome == "changed"
    assert [(e.kind, e.status) for e in result.events] == [("component", "major_outage")]
    assert sorted(hostile.seen[1:]) == sorted([SUMMARY, INCIDENTS, MAINTENANCES])


def test_incidents_json_is_read_once_when_an_incident_left_the_summary(
    r: store.Redis, pages: PageServer
) -> None:
    story = StatuspageStory()
    page = PageConfig("p1", "P", pages.url, "statuspage")
    opened = story.incident("i1", "Errors", ("u1", "investigating", "Looking"))
    pages.set_json(SUMMARY, story.summary("major_outage", opened))
    assert poller(r).poll(page, lambda events: None).outcome == "changed"
    resolved = story.incident(
        "i1", "Errors", ("u1", "investigating", "Looking"), ("u2", "resolved", "Fixed")
    )
    pages.set_json(SUMMARY, story.summary())
    pages.set_json(INCIDENTS, story.incidents_json(resolved))
    pages.set_json(MAINTENANCES, {"scheduled_maintenances": []})

    result = poller(r).poll(page, lambda events: None)

    assert ("incident", "resolved") in [(e.kind, e.status) for e in result.events]
    assert pages.hits[INCIDENTS] == 1  # `resolve` and `recent` both read it
    assert pages.hits[MAINTENANCES] == 1


def test_a_history_read_that_fails_fails_the_poll_and_saves_nothing(
    r: store.Redis, pages: PageServer
) -> None:
    story = StatuspageStory()
    page = PageConfig("p1", "P", pages.url, "statuspage")
    pages.set_json(SUMMARY, story.summary())
    assert poller(r).poll(page, lambda events: None).outcome == "changed"
    before = store.load_state(r, page.id)
    pages.set_json(SUMMARY, story.summary("major_outage"))
    pages.set_json(INCIDENTS, story.incidents_json())
    pages.set(MAINTENANCES, "busy", status=503)
    emitted: list[Any] = []

    result = poller(r).poll(page, emitted.extend)

    assert result.outcome == "error" and result.retry_at is not None  # the host backs off
    assert emitted == []  # nothing printed: the next poll sees the change again
    assert store.load_state(r, page.id) == before
    assert pages.hits[INCIDENTS] == 1 and pages.hits[MAINTENANCES] == 1
