"""Payloads for lifecycle tests, built from the real captures by changing only what a real
page would change between two polls (a component's status, an incident's updates)."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.paths import FIXTURES


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


class StatuspageStory:
    """Claude's real all-operational summary + GitHub's real incident shape."""

    component = "k8w3r06qmzrp"  # "Claude API (api.anthropic.com)"

    def __init__(self) -> None:
        self.base = load("statuspage/claude-summary-all-operational-2026-09-03.json")
        self.incident_shape = load("statuspage/github-summary-incident-2022-11-25.json")[
            "incidents"
        ][0]
        self.resolved: list[dict[str, Any]] = []

    def summary(
        self, status: str = "operational", *open_incidents: dict[str, Any], changed: str = "10:00"
    ) -> Any:
        """`changed`: when the component last changed (HH:MM on the story's day)."""
        data = copy.deepcopy(self.base)
        for comp in data["components"]:
            if comp["id"] == self.component:
                comp["status"] = status
                comp["updated_at"] = f"2026-09-04T{changed}:00.000Z"
        data["incidents"] = list(open_incidents)
        return data

    def incident(
        self, incident_id: str, name: str, *updates: tuple[str, str, str], hour: int = 11
    ) -> Any:
        """updates: (update id, status, body), oldest first; served newest first, like the API."""
        inc = copy.deepcopy(self.incident_shape)
        inc.update(id=incident_id, name=name, page_id=self.base["page"]["id"])
        inc["status"] = updates[-1][1]
        inc["components"] = [{"id": self.component, "name": "Claude API (api.anthropic.com)"}]
        template = inc["incident_updates"][0]
        rows = []
        for minute, (uid, status, body) in enumerate(updates):
            row = copy.deepcopy(template)
            stamp = f"2026-09-04T{hour}:{minute:02d}:00.000Z"
            row.update(
                id=uid,
                status=status,
                body=body,
                incident_id=incident_id,
                created_at=stamp,
                display_at=stamp,
                updated_at=stamp,
                affected_components=None,
            )
            rows.append(row)
        inc["incident_updates"] = list(reversed(rows))
        return inc

    def incidents_json(self, *incidents: dict[str, Any]) -> Any:
        return {"page": self.base["page"], "incidents": list(incidents)}


class IncidentIoStory:
    """OpenAI's real incident.io proxy summary, with its ongoing incident taken out as the base."""

    component = "01JMXBRMFE6N2NNT7DG6XZQ6PW"  # APIs / "Chat"

    def __init__(self) -> None:
        self.real = load("incidentio/openai-proxy-summary-2025-04-10.json")
        self.shape = self.real["summary"]["ongoing_incidents"][0]

    def summary(self, status: str = "operational", *ongoing: dict[str, Any]) -> Any:
        data = copy.deepcopy(self.real)
        data["summary"]["ongoing_incidents"] = list(ongoing)
        data["summary"]["affected_components"] = (
            [] if status == "operational" else [{"component_id": self.component, "status": status}]
        )
        return data

    def incident(
        self, incident_id: str, name: str, *updates: tuple[str, str, str], hour: int = 11
    ) -> Any:
        inc = copy.deepcopy(self.shape)
        inc.update(id=incident_id, name=name, status=updates[-1][1])
        inc["affected_components"] = [
            {
                "component_id": self.component,
                "status": "degraded_performance",
                "current_status": "degraded_performance",
            }
        ]
        inc["component_impacts"] = [
            {
                "start_at": f"2026-09-04T{hour}:00:00Z",
                "id": incident_id + "I",
                "component_id": self.component,
                "status_page_incident_id": incident_id,
                "status": "degraded_performance",
            }
        ]
        template = inc["updates"][0]
        rows = []
        for minute, (uid, status, body) in enumerate(updates):
            row = copy.deepcopy(template)
            row.update(
                id=uid,
                to_status=status,
                message_string=body,
                published_at=f"2026-09-04T{hour}:{minute:02d}:00.000Z",
            )
            row["message"]["content"][0]["content"][0]["text"] = body
            row["component_statuses"] = [
                {"component_id": self.component, "status": "degraded_performance"}
            ]
            rows.append(row)
        inc["updates"] = list(reversed(rows))
        return inc


def compatible_summary(proxy: Any) -> dict[str, Any]:
    """What an incident.io page answers at /api/v2/summary.json: page, status, components, from
    its real proxy summary `proxy` (IncidentIoStory.real)."""
    summary = proxy["summary"]
    return {
        "page": {"id": summary["id"], "name": summary["name"], "url": summary["public_url"]},
        "status": {"indicator": "none", "description": "All Systems Operational"},
        "components": [
            {"id": c["id"], "name": c["name"], "status": "operational", "position": i}
            for i, c in enumerate(summary["components"])
        ],
    }
