"""`pagerduty`: Events API v2. One PagerDuty incident follows one vendor incident (or one
component outage): `trigger` when it opens or a component goes to partial or major outage,
`resolve` when it resolves or the component recovers, with the same `dedup_key`.

    ops-pager:
      type: pagerduty
      routing_key_env: PAGERDUTY_ROUTING_KEY   # the integration key of an Events API v2 service
      url: https://events.pagerduty.com/v2/enqueue   # the default

Other changes (a degraded component, maintenance, updates of a resolved incident) are not sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor import status
from monitor.channels.base import Answer, Message, Problems, http_url, secret, text
from monitor.channels.http import post_json
from monitor.channels.slack import cut
from monitor.events import StatusEvent

DEFAULT_RATE = 2.0
ENQUEUE = "https://events.pagerduty.com/v2/enqueue"
SUMMARY_MAX, DEDUP_MAX = 1024, 255
PAGING = (status.PARTIAL_OUTAGE, status.MAJOR_OUTAGE)
RESOLVED = ("resolved", "completed", "postmortem")
_SEVERITY = {status.MAJOR_OUTAGE: "critical", status.PARTIAL_OUTAGE: "error"}


def action(event: StatusEvent) -> str | None:
    """trigger, resolve, or None (not a PagerDuty matter)."""
    if event.kind == "incident":
        return "resolve" if event.status in RESOLVED else "trigger"
    if event.kind == "component":
        if event.status in PAGING:
            return "trigger"
        if event.previous_status in PAGING:
            return "resolve"
    return None


def dedup_key(event: StatusEvent) -> str:
    if event.kind == "incident":
        return cut(f"statusmon/{event.page_id}/incident/{event.incident_id}", DEDUP_MAX)
    component = ",".join(event.component_ids)
    return cut(f"statusmon/{event.page_id}/component/{component}", DEDUP_MAX)


def payload(message: Message, routing_key: str) -> dict[str, Any]:
    event = message.event
    todo = action(event) or "trigger"
    data: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": todo,
        "dedup_key": dedup_key(event),
    }
    if todo == "resolve":
        return data
    first, second = message.lines
    data["payload"] = {
        "summary": cut(f"{message.title}: {message.text}", SUMMARY_MAX),
        "source": event.page_name,
        "severity": "info" if message.test else _SEVERITY.get(message.severity, "warning"),
        "timestamp": event.occurred_at.isoformat(),
        "component": event.product,
        "group": event.page_id,
        "class": event.kind,
        "custom_details": {"line": f"{first}\n{second}", "status": event.status},
    }
    data["client"] = "statusmon"
    if event.url:
        data["links"] = [{"href": event.url, "text": "The incident on the status page"}]
    return data


@dataclass(frozen=True)
class PagerDutySender:
    routing_key: str = field(repr=False)
    url: str = ENQUEUE

    def wants(self, event: StatusEvent) -> bool:
        return action(event) is not None

    def send(self, message: Message, deadline: float) -> Answer:
        return post_json(self.url, payload(message, self.routing_key), deadline)[0]


def parse(raw: Mapping[str, Any], env: Mapping[str, str], p: Problems) -> PagerDutySender:
    key = secret(raw, "routing_key", env, p)
    return PagerDutySender(key, http_url(text(raw, "url", p, ENQUEUE), "url", p))
