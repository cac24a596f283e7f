"""An incident's whole life on a real page server, through real workers, printed exactly once.

Workers are restarted between the second and third step: state lives in Redis, not in them.
"""

from __future__ import annotations

import time

from monitor.pages import PageConfig
from monitor.registry import sync_pages
from tests.support.celery_workers import Workers, poll_now
from tests.support.pageserver import PageServer
from tests.support.procs import records
from tests.support.scenarios import IncidentIoStory, StatuspageStory


def new_records(workers: Workers, before: int, printed: int) -> list[str]:
    lines = workers.notifier.wait_lines(before + 2 * printed)
    return records(lines[before:])


def test_a_statuspage_incident_is_printed_from_open_to_resolved_and_again(
    r, pages: PageServer, workers: Workers
) -> None:
    story = StatuspageStory()
    page = PageConfig(id="claude", name="Claude", url=pages.url, kind="statuspage")
    sync_pages(r, [page], time.time())
    summary = "/api/v2/summary.json"
    api = "Claude - Claude API (api.anthropic.com)"
    start = len(workers.notifier.lines)

    pages.set_json(summary, story.summary("operational"))
    assert poll_now("claude") == ("changed", [])  # first poll: all operational, nothing to say

    a1 = ("u1", "investigating", "We are investigating elevated errors on the API.")
    a2 = ("u2", "identified", "The issue has been identified and a fix is being implemented.")
    a3 = ("u3", "resolved", "This incident has been resolved.")
    pages.set_json(
        summary,
        story.summary(
            "degraded_performance", story.incident("incA", "Elevated errors", a1), changed="11:00"
        ),
    )
    assert poll_now("claude") == ("changed", ["printed", "printed"])
    pages.set_json(
        summary,
        story.summary(
            "degraded_performance",
            story.incident("incA", "Elevated errors", a1, a2),
            changed="11:00",
        ),
    )
    assert poll_now("claude") == ("changed", ["printed"])

    workers.restart()

    pages.set_json(summary, story.summary("operational", changed="11:30"))
    pages.set_json(
        "/api/v2/incidents.json",
        story.incidents_json(story.incident("incA", "Elevated errors", a1, a2, a3)),
    )
    assert poll_now("claude") == ("changed", ["printed", "printed"])
    b1 = ("v1", "investigating", "API errors are elevated again.")
    pages.set_json(
        summary,
        story.summary(
            "degraded_performance",
            story.incident("incB", "Errors again", b1, hour=12),
            changed="12:00",
        ),
    )
    assert poll_now("claude") == ("changed", ["printed", "printed"])
    assert poll_now("claude") == ("not_modified", [])

    assert new_records(workers, start, 7) == [
        f"[2026-09-04 11:00:00] Product: {api} | Status: Degraded Performance (was Operational)",
        f"[2026-09-04 11:00:00] Product: {api} | Status: Investigating - {a1[2]}",
        f"[2026-09-04 11:01:00] Product: {api} | Status: Identified - {a2[2]}",
        f"[2026-09-04 11:02:00] Product: {api} | Status: Resolved - {a3[2]}",
        f"[2026-09-04 11:30:00] Product: {api} | Status: Operational (was Degraded Performance)",
        f"[2026-09-04 12:00:00] Product: {api} | Status: Degraded Performance (was Operational)",
        f"[2026-09-04 12:00:00] Product: {api} | Status: Investigating - {b1[2]}",
    ]


def test_an_incident_io_incident_is_printed_from_open_to_resolved_and_again(
    r, pages: PageServer, workers: Workers
) -> None:
    story = IncidentIoStory()
    page = PageConfig(id="openai", name="OpenAI", url=pages.url, kind="incidentio")
    sync_pages(r, [page], time.time())
    proxy = f"/proxy/{pages.host}"
    chat = "OpenAI APIs - Chat"
    start = len(workers.notifier.lines)

    pages.set_json(proxy, story.summary("operational"))
    assert poll_now("openai") == ("changed", [])

    a1 = ("01A1", "investigating", "We are seeing degraded performance for Chat.")
    a2 = ("01A2", "identified", "We have identified the cause.")
    a3 = ("01A3", "resolved", "All impacted services have now fully recovered.")
    pages.set_json(
        proxy, story.summary("degraded_performance", story.incident("01INCA", "Chat degraded", a1))
    )
    assert poll_now("openai") == ("changed", ["printed", "printed"])
    pages.set_json(
        proxy,
        story.summary("degraded_performance", story.incident("01INCA", "Chat degraded", a1, a2)),
    )
    assert poll_now("openai") == ("changed", ["printed"])

    workers.restart()

    pages.set_json(proxy, story.summary("operational"))
    pages.set_json(
        f"{proxy}/incidents/01INCA",
        {"incident": story.incident("01INCA", "Chat degraded", a1, a2, a3)},
    )
    outcome, printed = poll_now("openai")
    assert (outcome, printed) == ("changed", ["printed", "printed"])
    b1 = ("01B1", "investigating", "Chat is degraded again.")
    pages.set_json(
        proxy,
        story.summary("degraded_performance", story.incident("01INCB", "Chat again", b1, hour=12)),
    )
    assert poll_now("openai") == ("changed", ["printed", "printed"])
    assert poll_now("openai") == ("not_modified", [])

    got = new_records(workers, start, 7)
    back = got.pop(4)  # its time is when we saw it: incident.io gives no end time in the summary
    assert back.endswith(f"Product: {chat} | Status: Operational (was Degraded Performance)")
    assert got == [
        f"[2026-09-04 11:00:00] Product: {chat} | Status: Degraded Performance (was Operational)",
        f"[2026-09-04 11:00:00] Product: {chat} | Status: Investigating - {a1[2]}",
        f"[2026-09-04 11:01:00] Product: {chat} | Status: Identified - {a2[2]}",
        f"[2026-09-04 11:02:00] Product: {chat} | Status: Resolved - {a3[2]}",
        f"[2026-09-04 12:00:00] Product: {chat} | Status: Degraded Performance (was Operational)",
        f"[2026-09-04 12:00:00] Product: {chat} | Status: Investigating - {b1[2]}",
    ]
