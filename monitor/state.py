"""What we remember of a page between polls (stored as JSON by `monitor.store`).

Ids only as keys: components by component id, incidents by incident id with the ids of the
updates already turned into events. A closed incident is kept for the retention period so a
late webhook or a redelivered poll of an old update is recognized, not re-printed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from monitor.surrogates import scrub


@dataclass
class ComponentState:
    status: str
    status_raw: str
    name: str
    group_id: str | None = None
    group_name: str | None = None
    as_of: str | None = None  # ISO: the newest provider stamp applied (monitor.ordering)


@dataclass
class IncidentState:
    status: str
    name: str
    seen: list[str] = field(default_factory=list)
    component_ids: list[str] = field(default_factory=list)
    maintenance: bool = False
    closed_at: str | None = None  # ISO time we saw it close; pruned after the retention period
    as_of: str | None = None  # ISO: the newest provider stamp applied (monitor.ordering)


@dataclass
class PageState:
    platform: str | None = None
    platform_page_id: str | None = None
    components: dict[str, ComponentState] = field(default_factory=dict)
    incidents: dict[str, IncidentState] = field(default_factory=dict)
    baselined: bool = False  # a complete snapshot was seen (a webhook alone gives a partial one)
    news_since: str | None = None  # ISO time: incidents first published before it are history

    def open_incident_ids(self) -> list[str]:
        return [i for i, s in self.incidents.items() if s.closed_at is None]

    def to_json(self) -> str:
        return scrub(json.dumps(asdict(self), ensure_ascii=False, sort_keys=True))

    @classmethod
    def from_json(cls, text: str | bytes) -> PageState:
        data: dict[str, Any] = json.loads(text)
        return cls(
            platform=data.get("platform"),
            platform_page_id=data.get("platform_page_id"),
            components={k: ComponentState(**v) for k, v in data.get("components", {}).items()},
            incidents={k: IncidentState(**v) for k, v in data.get("incidents", {}).items()},
            baselined=data.get("baselined", True),
            news_since=data.get("news_since"),
        )
