"""`slack`: an incoming webhook; Block Kit in an attachment coloured by severity.

    ops-slack:
      type: slack
      url_env: SLACK_WEBHOOK_URL     # https://hooks.slack.com/services/…

Blocks: a header (the product), a section with the status and the update text, a context line
with the page and time, and a button to the incident when there is a link. Slack's limits are
kept: header text 150 characters, section text 3,000, `text` (the notification) 3,000.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.channels.base import Answer, AnyEvent, Message, Problems, http_url, secret
from monitor.channels.http import post_json

DEFAULT_RATE = 1.0  # Slack: one message per second per incoming webhook
HEADER_MAX, SECTION_MAX, TEXT_MAX = 150, 3000, 3000


def cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def payload(message: Message) -> dict[str, Any]:
    first, second = message.lines
    event = message.event
    words = message.status_words
    rest = message.text.removeprefix(words).removeprefix(" - ")
    section = f"*{words}*" + (f" - {rest}" if rest else "")
    when = event.occurred_at.astimezone(message.tz).strftime("%Y-%m-%d %H:%M:%S")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(message.title, HEADER_MAX)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": cut(section, SECTION_MAX)}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": cut(f"{event.page_name} · {when}", 300)}],
        },
    ]
    if event.url:
        button = {"type": "plain_text", "text": "Open the incident"}
        blocks.append(
            {"type": "actions", "elements": [{"type": "button", "text": button, "url": event.url}]}
        )
    return {
        "text": cut(f"{first}\n{second}", TEXT_MAX),
        "attachments": [{"color": f"#{message.colour:06x}", "blocks": blocks}],
    }


@dataclass(frozen=True)
class SlackSender(AnyEvent):
    url: str = field(repr=False)

    def send(self, message: Message, deadline: float) -> Answer:
        return post_json(self.url, payload(message), deadline)[0]


def parse(raw: Mapping[str, Any], env: Mapping[str, str], p: Problems) -> SlackSender:
    return SlackSender(http_url(secret(raw, "url", env, p), "url_env", p))
