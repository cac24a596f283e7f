"""The one event model every adapter's changes become, and its data-derived dedup key."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

EventKind = Literal["component", "incident", "maintenance", "platform"]


def dedup_key(page_id: str, kind: str, *parts: str) -> str:
    """A stable key from provider data only: never from transport, payload bytes or hash().

    Incident/maintenance update: (page, kind, incident id, update id).
    Component transition:        (page, kind, component id, new raw status, change time).
    """
    material = "|".join((page_id, kind, *parts))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class StatusEvent:
    page_id: str  # our configured page id
    page_name: str
    provider: str  # adapter family: statuspage | incidentio | ...
    kind: EventKind
    product: str  # rendered "OpenAI API - Chat Completions"
    status: str  # normalized component status, or incident/maintenance phase
    status_raw: str
    occurred_at: datetime  # when the provider published the change (UTC)
    dedup_key: str
    body: str = ""
    previous_status: str | None = None
    component_ids: tuple[str, ...] = ()
    incident_id: str | None = None
    incident_name: str | None = None
    update_id: str | None = None
    url: str | None = None
    source: str = "poll"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        data["component_ids"] = list(self.component_ids)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatusEvent:
        values = dict(data)
        values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
        values["component_ids"] = tuple(values.get("component_ids") or ())
        return cls(**values)
