"""The `channels:` section of pages.yaml: where printed events are also sent, and which.

```yaml
channels:
  ops-slack:
    type: slack                 # webhook | slack | discord | teams | pagerduty | email | apprise
    url_env: SLACK_WEBHOOK_URL  # secrets only from $NAME, or the file named by $NAME_FILE
    rate: 1                     # messages per second (default: the type's)
    burst: 1                    # messages sent at once before the rate applies (default 1)
    routing: {min_severity: partial_outage}   # monitor.routing
```

Read by each process that needs it, at start: the notifier (routing) and the workers (sending).
Secrets live only in the typed senders (never in repr, logs or Redis). Every problem names the
file, the channel and the field, never a secret's value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.channels import channel_types
from monitor.channels.base import Problems, Sender
from monitor.config import read_file
from monitor.events import StatusEvent
from monitor.pages import ConfigError
from monitor.routing import Route, parse_route, refs, severity
from monitor.state import PageState

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_COMMON = {"type", "routing", "rate", "burst"}


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    type: str
    sender: Sender  # holds the secrets; shows none of them
    route: Route
    rate: float  # messages per second, shared by every worker (monitor.ratelimit)
    burst: int

    def wants(self, event: StatusEvent, state: PageState | None) -> bool:
        """Its routing takes the event (`state`: the page's, for component names and
        severity), and its type sends such events."""
        found = self.route.wants(event, refs(state, event), severity(state, event))
        return found and self.sender.wants(event)


def load_channels(path: str | Path, env: Mapping[str, str] | None = None) -> list[ChannelConfig]:
    """The channels of a pages file (none without a `channels:` key); ConfigError if any is bad."""
    return parse_channels(read_file(path), str(path), os.environ if env is None else env)


def parse_channels(raw: Any, where: str, env: Mapping[str, str]) -> list[ChannelConfig]:
    section = raw.get("channels") if isinstance(raw, Mapping) else None
    if section is None:
        return []
    if not isinstance(section, Mapping):
        raise ConfigError([f"{where}: 'channels:' must map channel names to their settings"])
    problems: list[str] = []
    found = []
    for name, item in section.items():
        p = Problems(str(name))
        channel = _parse(str(name), item, env, p)
        problems += [f"{where}: {line}" for line in p.rendered]
        if channel is not None and not p.rendered:
            found.append(channel)
    if problems:
        raise ConfigError(problems)
    return found


def _parse(name: str, item: Any, env: Mapping[str, str], p: Problems) -> ChannelConfig | None:
    if not _NAME.match(name):
        p.add("name", "must be lower-case letters, digits, - or _ (at most 64)")
    if not isinstance(item, Mapping):
        p.add("type", "expected a mapping with a type")
        return None
    types = channel_types()
    kind = types.get(str(item.get("type")))
    if kind is None:
        p.add("type", f"{item.get('type')!r} is not one of {', '.join(sorted(types))}")
        return None
    for key in item:
        if key not in _COMMON and key not in kind.fields:
            p.add(str(key), f"unknown field for a {kind.name} channel")
    sender = kind.parse(item, env, p)
    rate = item.get("rate", kind.rate)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1000:
        p.add("rate", f"{rate!r} must be messages per second, more than 0")
        rate = kind.rate
    burst = item.get("burst", 1)
    if isinstance(burst, bool) or not isinstance(burst, int) or not 1 <= burst <= 1000:
        p.add("burst", f"{burst!r} must be a whole number from 1 to 1000")
        burst = 1
    routing = item.get("routing") or {}
    route_problems: list[str] = []
    if not isinstance(routing, Mapping):
        route_problems.append("field 'routing': expected a mapping")
        routing = {}
    route = parse_route(routing, route_problems)
    p.rendered += [f"channel {name!r}: {line}" for line in route_problems]
    return ChannelConfig(name, kind.name, sender, route, float(rate), burst)
