"""Delivery channels behind a registry: one module per channel type, one line here to register
it. What a type is: monitor.channels.base; each module's docstring shows its `channels:` entry.
The console line is still written by the notifier (monitor.notify); channels get the event
after it (monitor.delivery).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.channels import apprise_url, discord, email, pagerduty, slack, teams, webhook
from monitor.channels.base import Problems, Sender

Parse = Callable[[Mapping[str, Any], Mapping[str, str], Problems], Sender]


@dataclass(frozen=True)
class ChannelType:
    name: str
    parse: Parse
    rate: float  # messages per second the service allows (a channel's `rate:` overrides it)
    fields: frozenset[str]  # the type's own fields in a `channels:` entry


_REGISTRY: dict[str, ChannelType] = {
    t.name: t
    for t in (
        ChannelType(
            "webhook",
            webhook.parse,
            webhook.DEFAULT_RATE,
            frozenset({"url", "url_env", "secret_env"}),
        ),
        ChannelType("slack", slack.parse, slack.DEFAULT_RATE, frozenset({"url_env"})),
        ChannelType("discord", discord.parse, discord.DEFAULT_RATE, frozenset({"url_env"})),
        ChannelType("teams", teams.parse, teams.DEFAULT_RATE, frozenset({"url_env"})),
        ChannelType(
            "pagerduty",
            pagerduty.parse,
            pagerduty.DEFAULT_RATE,
            frozenset({"routing_key_env", "url"}),
        ),
        ChannelType(
            "email",
            email.parse,
            email.DEFAULT_RATE,
            frozenset({"host", "port", "security", "username", "password_env", "from", "to"}),
        ),
        ChannelType("apprise", apprise_url.parse, apprise_url.DEFAULT_RATE, frozenset({"url_env"})),
    )
}


def channel_types() -> dict[str, ChannelType]:
    """Type name -> channel type (a copy: the registry itself never changes)."""
    return dict(_REGISTRY)
