"""Auto-detection and a platform migration, on real workers and a loopback page."""

from __future__ import annotations

import time

from monitor import store
from monitor.pages import PageConfig
from monitor.registry import sync_pages
from tests.support.celery_workers import Workers, poll_now
from tests.support.pageserver import PageServer
from tests.support.procs import records
from tests.support.scenarios import IncidentIoStory, StatuspageStory


def reduced_summary(story: IncidentIoStory, url: str) -> dict[str, object]:
    """What an incident.io page answers at /api/v2/summary.json: {page, status, components}."""
    summary = story.real["summary"]
    return {
        "page": {
            "id": summary["id"],
            "name": summary["name"],
            "url": url,
            "updated_at": "2026-04-27T15:52:49Z",
        },
        "status": {"indicator": "none", "description": "All Systems Operational"},
        "components": [
            {
                "id": c["id"],
                "name": c["name"],
                "status": "operational",
                "position": n,
                "updated_at": "2026-04-27T15:52:49Z",
            }
            for n, c in enumerate(summary["components"])
        ],
    }


def test_a_page_without_kind_is_detected_and_the_choice_is_stored(
    r, pages: PageServer, workers: Workers
) -> None:
    sync_pages(r, [PageConfig("claude", "Claude", pages.url)], time.time())
    pages.set_json("/api/v2/summary.json", StatuspageStory().summary("operational"))
    assert poll_now("claude") == ("changed", [])
    state = store.load_state(r, "claude")
    assert state is not None and state.platform == "statuspage"


def test_a_move_from_statuspage_to_incident_io_prints_one_line_and_no_component_changes(
    r, pages: PageServer, workers: Workers
) -> None:
    sync_pages(r, [PageConfig("openai", "OpenAI", pages.url)], time.time())
    start = len(workers.notifier.lines)
    old = StatuspageStory()
    pages.set_json("/api/v2/summary.json", old.summary("major_outage", changed="08:00"))
    assert poll_now("openai") == ("changed", ["printed"])  # first poll: the outage

    new = IncidentIoStory()
    pages.set_json(f"/proxy/{pages.host}", new.summary("degraded_performance"))
    pages.set_json("/api/v2/summary.json", reduced_summary(new, pages.url))
    assert poll_now("openai") == ("changed", ["printed"])
    assert poll_now("openai") == ("changed", [])  # the first conditional GET of the new URL
    assert poll_now("openai") == ("not_modified", [])

    got = records(workers.notifier.wait_lines(start + 4)[start:])
    assert got[0].endswith(
        "Product: OpenAI - Claude API (api.anthropic.com) | Status: Major Outage"
    )
    assert got[1].endswith(
        "Product: OpenAI | Status: status page changed platform: statuspage → incidentio"
    )
    assert len(got) == 2
    state = store.load_state(r, "openai")
    assert state is not None and state.platform == "incidentio"
    assert state.components[new.component].status == "degraded"
