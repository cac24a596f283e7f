"""`discord`: a webhook; one embed coloured by severity, within Discord's limits.

    ops-discord:
      type: discord
      url_env: DISCORD_WEBHOOK_URL   # https://discord.com/api/webhooks/…

Limits kept: title 256 characters, description 4,096, a field's value 1,024, footer 2,048,
and 6,000 for the whole embed (the description is cut first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.channels.base import Answer, AnyEvent, Message, Problems, http_url, secret
from monitor.channels.http import post_json
from monitor.channels.slack import cut

DEFAULT_RATE = 0.5  # Discord: 5 requests per 2 s per webhook, 30 a minute per channel
TITLE_MAX, DESCRIPTION_MAX, FIELD_MAX, FOOTER_MAX, TOTAL_MAX = 256, 4096, 1024, 2048, 6000


def embed(message: Message) -> dict[str, Any]:
    event = message.event
    title = cut(message.title, TITLE_MAX)
    status_field = cut(message.status_words, FIELD_MAX)
    footer = cut(f"{event.page_name} · statusmon", FOOTER_MAX)
    room = TOTAL_MAX - len(title) - len("Status") - len(status_field) - len(footer)
    description = cut(message.text, min(DESCRIPTION_MAX, room))
    data: dict[str, Any] = {
        "title": title,
        "description": description,
        "color": message.colour,
        "timestamp": event.occurred_at.isoformat(),
        "fields": [{"name": "Status", "value": status_field, "inline": True}],
        "footer": {"text": footer},
    }
    if event.url:
        data["url"] = event.url
    return data


@dataclass(frozen=True)
class DiscordSender(AnyEvent):
    url: str = field(repr=False)

    def send(self, message: Message, deadline: float) -> Answer:
        return post_json(self.url, {"embeds": [embed(message)]}, deadline)[0]


def parse(raw: Mapping[str, Any], env: Mapping[str, str], p: Problems) -> DiscordSender:
    return DiscordSender(http_url(secret(raw, "url", env, p), "url_env", p))
