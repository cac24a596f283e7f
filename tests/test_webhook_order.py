"""Webhooks out of order, on real workers and real Redis: a sender's retry or a second worker
delivers an older payload after a newer one, or a poll reads a summary a CDN cached before the
webhook's change. The page's state never moves backwards: no stale state printed as news, no
"resolved" reopened, the next real change still printed once.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from celery.result import AsyncResult

from monitor import keys, store
from monitor.pages import PageConfig
from monitor.registry import sync_pages
from tests.support.celery_workers import Workers, poll_now
from tests.support.pageserver import PageServer
from tests.support.procs import records
from tests.support.scenarios import StatuspageStory, load
from workers.tasks import poll
from workers.webhook_tasks import ingest_webhook

SUMMARY = "/api/v2/summary.json"
PAGE = "claude"


def deliver(payload: dict[str, Any]) -> list[str]:
    """One webhook through the real ingest task; what the notifier did with each event."""
    result = ingest_webhook.delay(PAGE, payload).get(timeout=60)
    assert result["outcome"] == "ingested", result
    return [AsyncResult(task).get(timeout=60) for task in result["notify"]]


def component_webhook(story: StatuspageStory, status: str, changed: str) -> dict[str, Any]:
    """The real Zulip component capture, moved to the story's component at HH:MM `changed`."""
    payload = copy.deepcopy(load("statuspage/webhook-component-update-zulip.json"))
    stamp = f"2026-09-04T{changed}:00.000Z"
    payload["component"].update(
        id=story.component, name="Claude API (api.anthropic.com)", status=status, updated_at=stamp
    )
    payload["component_update"].update(
        component_id=story.component, new_status=status, created_at=stamp
    )
    return payload


def incident_webhook(
    story: StatuspageStory, incident: dict[str, Any], updated: str
) -> dict[str, Any]:
    """The real Zulip incident capture's envelope around `incident`, as changed at `updated`;
    its component as the page lists it (a webhook carries each one's status)."""
    payload = copy.deepcopy(load("statuspage/webhook-incident-created-zulip.json"))
    [row] = [c for c in story.summary()["components"] if c["id"] == story.component]
    stamp = f"2026-09-04T{updated}:00.000Z"
    payload["incident"] = {**incident, "updated_at": stamp, "components": [row]}
    return payload


def start(r: store.Redis, pages: PageServer, status: str, changed: str) -> StatuspageStory:
    """A page polled once (its baseline), with the webhook hint polls out of the way."""
    sync_pages(r, [PageConfig(PAGE, "Claude", pages.url, "statuspage")], time.time())
    story = StatuspageStory()
    pages.set_json(SUMMARY, story.summary(status, changed=changed))
    assert poll_now(PAGE)[0] == "changed"
    r.set(keys.hint(PAGE), "1", ex=600)  # no hint polls: each test polls when it says so
    return story


def stored_component(r: store.Redis, story: StatuspageStory) -> str:
    state = store.load_state(r, PAGE)
    assert state is not None
    return state.components[story.component].status


def test_an_older_component_webhook_after_a_newer_one_prints_no_false_outage(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    story = start(r, pages, "operational", "10:00")
    lines = len(workers.notifier.lines)
    newer = component_webhook(story, "operational", "10:10")
    older = component_webhook(story, "partial_outage", "10:05")
    assert deliver(newer) == []  # operational already: nothing to say
    assert deliver(older) == []  # a retry of 10:05 arrives at 10:11: not news
    assert stored_component(r, story) == "operational"
    assert records(workers.notifier.lines[lines:]) == []


def test_a_recovery_webhook_is_not_undone_by_the_late_outage_webhook_before_it(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    story = start(r, pages, "partial_outage", "10:05")
    assert stored_component(r, story) == "partial_outage"
    assert deliver(component_webhook(story, "operational", "10:10")) == ["printed"]
    assert deliver(component_webhook(story, "partial_outage", "10:05")) == []
    assert stored_component(r, story) == "operational"
    # The next real change is printed, and says what it changed from.
    lines = len(workers.notifier.lines)
    assert deliver(component_webhook(story, "major_outage", "10:20")) == ["printed"]
    [line] = records(workers.notifier.wait_lines(lines + 2)[lines:])
    assert "major" in line.lower()


def test_an_older_incident_webhook_never_reopens_a_resolved_incident(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    story = start(r, pages, "operational", "10:00")
    u1 = ("u1", "investigating", "Looking into errors.")
    u2 = ("u2", "resolved", "Fixed.")
    open_ = incident_webhook(story, story.incident("incA", "Errors", u1), "11:00")
    resolved = incident_webhook(story, story.incident("incA", "Errors", u1, u2), "11:01")
    lines = len(workers.notifier.lines)
    assert deliver(open_) == ["printed"]
    assert deliver(resolved) == ["printed"]
    assert deliver(open_) == []  # the sender's retry of 11:00, delivered last
    state = store.load_state(r, PAGE)
    assert state is not None
    assert state.incidents["incA"].status == "resolved"
    assert state.open_incident_ids() == []
    # The next poll has nothing to close: no second "resolved" line for the same incident.
    pages.set_json(SUMMARY, story.summary("operational", changed="11:02"))
    assert poll_now(PAGE) == ("changed", [])
    assert len(records(workers.notifier.wait_lines(lines + 4)[lines:])) == 2


def test_a_poll_of_a_cached_summary_after_a_newer_webhook_keeps_the_newer_state(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    story = start(r, pages, "partial_outage", "10:05")
    assert deliver(component_webhook(story, "operational", "10:10")) == ["printed"]
    # The CDN still serves the summary of 10:05 (a new ETag: another edge).
    pages.set_json(SUMMARY, {**story.summary("partial_outage", changed="10:05"), "x": 1})
    assert poll_now(PAGE) == ("changed", [])
    assert stored_component(r, story) == "operational"


def test_a_webhook_and_a_poll_of_an_older_summary_at_once_end_on_the_newer_state(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    story = start(r, pages, "partial_outage", "10:05")
    lines = len(workers.notifier.lines)
    pages.set_json(SUMMARY, {**story.summary("partial_outage", changed="10:05"), "x": 1})
    hook = ingest_webhook.delay(PAGE, component_webhook(story, "operational", "10:10"))
    polled = poll.delay(PAGE)  # runs first, or after the webhook, or finds the page busy
    sent = hook.get(timeout=60)["notify"] + polled.get(timeout=60)["notify"]
    assert [AsyncResult(t).get(timeout=60) for t in sent] == ["printed"]
    assert stored_component(r, story) == "operational"
    [line] = records(workers.notifier.wait_lines(lines + 2)[lines:])
    assert "operational" in line.lower()


def test_webhooks_of_one_page_ingested_at_once_in_reverse_order_end_on_the_newest(
    r: store.Redis, pages: PageServer, workers: Workers
) -> None:
    story = start(r, pages, "operational", "10:00")
    steps = [
        "partial_outage",
        "major_outage",
        "degraded_performance",
        "operational",
        "major_outage",
    ]
    hooks = [component_webhook(story, s, f"10:{10 + i:02d}") for i, s in enumerate(steps)]
    results = [ingest_webhook.delay(PAGE, hook) for hook in reversed(hooks)]  # newest first
    assert {res.get(timeout=60)["outcome"] for res in results} == {"ingested"}
    assert stored_component(r, story) == "major_outage"
    state = store.load_state(r, PAGE)
    assert state is not None
    assert state.components[story.component].as_of == "2026-09-04T10:14:00+00:00"
