"""`apprise`: any Apprise URL (the `apprise` package), for the long tail of services.

    ops-matrix:
      type: apprise
      url_env: APPRISE_URL     # e.g. matrixs://token@matrix.example.org/#ops, tgram://…

Title: the first printed line; body: the second (and the incident link). Apprise reports
success or failure, not why: a failure is retried like a 5xx.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import apprise

from monitor.channels.base import Answer, AnyEvent, Message, Problems, secret

DEFAULT_RATE = 1.0
_TYPES = {"operational": apprise.NotifyType.SUCCESS, "maintenance": apprise.NotifyType.INFO}


@dataclass(frozen=True)
class AppriseSender(AnyEvent):
    url: str = field(repr=False)

    def send(self, message: Message, deadline: float) -> Answer:
        notifier = apprise.Apprise()
        if not notifier.add(self.url):
            return Answer(False, "not an Apprise URL Apprise can use")
        first, second = message.lines
        body = second + (f"\n{message.event.url}" if message.event.url else "")
        kind = _TYPES.get(message.severity, apprise.NotifyType.WARNING)
        result = notifier.notify(body=body, title=first, notify_type=kind, timeout=deadline)
        if result:
            return Answer(True, "sent")
        return Answer(False, f"Apprise: {result.status.name.lower()}", retryable=True)


def parse(raw: Mapping[str, Any], env: Mapping[str, str], p: Problems) -> AppriseSender:
    url = secret(raw, "url", env, p)
    if url and not apprise.Apprise().add(url):
        p.add("url_env", "not a URL Apprise knows (see its list of services)")
    return AppriseSender(url)
