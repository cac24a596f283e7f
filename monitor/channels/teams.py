"""`teams`: a Power Automate Workflows webhook ("Post to a channel when a webhook request is
received"); an Adaptive Card 1.4 in a message attachment (Office 365 connectors are retired).

    ops-teams:
      type: teams
      url_env: TEAMS_WORKFLOW_URL    # https://….logic.azure.com/workflows/…
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor import status
from monitor.channels.base import Answer, AnyEvent, Message, Problems, http_url, secret
from monitor.channels.http import post_json

DEFAULT_RATE = 1.0
CARD_VERSION = "1.4"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Adaptive Cards colour text by name, not by value.
_COLOURS = {
    status.OPERATIONAL: "Good",
    status.MAINTENANCE: "Accent",
    status.DEGRADED: "Warning",
    status.PARTIAL_OUTAGE: "Attention",
    status.MAJOR_OUTAGE: "Attention",
}


def card(message: Message) -> dict[str, Any]:
    first, _ = message.lines
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {
            "type": "TextBlock",
            "text": message.status_words,
            "weight": "Bolder",
            "wrap": True,
            "color": _COLOURS.get(message.severity, "Default"),
        },
        {"type": "TextBlock", "text": message.text, "wrap": True},
        {
            "type": "TextBlock",
            "text": first.split("] ", 1)[0] + "]",
            "isSubtle": True,
            "size": "Small",
            "wrap": True,
        },
    ]
    content: dict[str, Any] = {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
    }
    if message.event.url:
        content["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open the incident", "url": message.event.url}
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": content,
            }
        ],
    }


@dataclass(frozen=True)
class TeamsSender(AnyEvent):
    url: str = field(repr=False)

    def send(self, message: Message, deadline: float) -> Answer:
        return post_json(self.url, card(message), deadline)[0]


def parse(raw: Mapping[str, Any], env: Mapping[str, str], p: Problems) -> TeamsSender:
    return TeamsSender(http_url(secret(raw, "url", env, p), "url_env", p))
