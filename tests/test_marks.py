"""Whose webhook a payload is, by the marks each platform's payloads carry: the real Statuspage
and Better Stack webhooks, and an Instatus one (no real capture exists: the Zulip Statuspage
delivery with Instatus's upper-case vocabulary, as its docs describe)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from monitor.adapters.marks import webhook_platform
from tests.paths import FIXTURES


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "platform"),
    [
        ("statuspage/webhook-component-update-zulip.json", "statuspage"),
        ("statuspage/webhook-incident-created-zulip.json", "statuspage"),
        ("statuspage/webhook-incident-atlassian-docs-example.json", "statuspage"),
        ("more/statuspage/webhook-incident-resolved-two-updates-zulip.json", "statuspage"),
        ("more/statuspage/webhook-incident-create-atlassian-docs-example.json", "statuspage"),
        (
            "more/statuspage/webhook-component-update-recovered-atlassian-docs-sentry-readme.json",
            "statuspage",
        ),
        ("more/betterstack/webhook-incident-update-no-status-docs-example.json", "betterstack"),
        ("pagerduty/webhook-v3-incident-triggered-zulip.json", None),
        ("statuspage/github-summary-incident-2022-11-25.json", None),
    ],
)
def test_a_real_payload_is_the_webhook_of_the_platform_that_sent_it(
    name: str, platform: str | None
) -> None:
    assert webhook_platform(load(name)) == platform


def test_upper_case_statuses_are_instatus_s_even_in_statuspage_s_shape() -> None:
    payload = load("statuspage/webhook-incident-created-zulip.json")
    payload["incident"]["status"] = "IDENTIFIED"
    for update in payload["incident"]["incident_updates"]:
        update["status"] = update["status"].upper()
    assert webhook_platform(payload) == "instatus"


def test_better_stack_s_indicator_marks_its_webhook_without_event_type() -> None:
    payload = load("more/betterstack/webhook-incident-update-no-status-docs-example.json")
    del payload["event_type"]
    assert webhook_platform(payload) == "betterstack"
    payload["page"]["status_indicator"] = "critical"
    payload["page"]["id"] = "j2mfxwj97wnj"
    assert webhook_platform(payload) == "statuspage"


@pytest.mark.parametrize("payload", [[], "x", {"incident": {}}, {"page": {"id": "12345"}}])
def test_a_payload_without_any_platforms_marks_is_none_s(payload: Any) -> None:
    assert webhook_platform(payload) is None
