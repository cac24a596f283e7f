"""Every watched page as one Atlassian Statuspage `summary.json` (API v2), so Statuspage clients
and widgets can read statusmon as if it were one status page.

Each watched page is a component group (`"group": true`) whose components are the page's own;
ids are "<page id>/<component id>" (unique across pages). Statuses use Statuspage's words;
`unknown` (a page not reachable, a value we cannot read) has none and is reported as
`degraded_performance`, the mildest value that does not claim all is well. Open incidents are
`incidents`, open maintenances `scheduled_maintenances`, their updates from the event log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor import status
from monitor.boardmodel import Board, IncidentView, PageView

RAW = {
    status.OPERATIONAL: "operational",
    status.MAINTENANCE: "under_maintenance",
    status.UNKNOWN: "degraded_performance",
    status.DEGRADED: "degraded_performance",
    status.PARTIAL_OUTAGE: "partial_outage",
    status.MAJOR_OUTAGE: "major_outage",
}
IMPACT = {
    status.OPERATIONAL: "none",
    status.MAINTENANCE: "maintenance",
    status.UNKNOWN: "minor",
    status.DEGRADED: "minor",
    status.PARTIAL_OUTAGE: "major",
    status.MAJOR_OUTAGE: "critical",
}
DESCRIPTION = {
    "none": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}


def summary(board: Board, url: str) -> dict[str, Any]:
    now = _iso(datetime.fromtimestamp(board.at, UTC))
    worst = status.worst([p.status for p in board.pages])
    indicator = IMPACT.get(worst, "minor")
    incidents = [i for p in board.pages for i in _incidents(p, now) if not i["_maintenance"]]
    planned = [i for p in board.pages for i in _incidents(p, now) if i["_maintenance"]]
    return {
        "page": {"id": "statusmon", "name": "statusmon", "url": url, "updated_at": now},
        "components": [c for p in board.pages for c in _components(p, now)],
        "incidents": [_public(i) for i in incidents],
        "scheduled_maintenances": [_public(i) for i in planned],
        "status": {"indicator": indicator, "description": DESCRIPTION[indicator]},
    }


def component_id(page_id: str, component: str) -> str:
    return f"{page_id}/{component}"


def _components(page: PageView, now: str) -> list[dict[str, Any]]:
    ids = [component_id(page.id, c.id) for c in page.components]
    group = {
        "id": page.id,
        "name": page.name,
        "status": RAW[page.status],
        "group": True,
        "group_id": None,
        "components": ids,
        "position": 0,
        "description": None,
        "updated_at": now,
    }
    rows = [group]
    for i, (c, cid) in enumerate(zip(page.components, ids, strict=True)):
        # A component of an unreachable page is not known to be what it last was.
        shown = status.UNKNOWN if page.unreachable else c.status
        rows.append(
            {
                "id": cid,
                "name": c.name if not c.group else f"{c.group} - {c.name}",
                "status": RAW.get(shown, "degraded_performance"),
                "group": False,
                "group_id": page.id,
                "position": i + 1,
                "description": None,
                "updated_at": now,
            }
        )
    return rows


def _incidents(page: PageView, now: str) -> list[dict[str, Any]]:
    found = []
    for inc in page.incidents:
        found.append(
            {
                "id": f"{page.id}/{inc.id}",
                "name": f"{page.name} — {inc.name}",
                "status": inc.phase,
                "impact": "maintenance" if inc.maintenance else IMPACT.get(inc.status, "minor"),
                "shortlink": inc.url,
                "created_at": _iso(inc.started_at) if inc.started_at else now,
                "updated_at": _iso(inc.updates[0].at) if inc.updates else now,
                "incident_updates": [_update(page, inc, n) for n in range(len(inc.updates))],
                "components": [
                    {"id": component_id(page.id, c.id), "name": c.name}
                    for c in page.components
                    if c.id in inc.component_ids
                ],
                "_maintenance": inc.maintenance,
            }
        )
    return found


def _update(page: PageView, inc: IncidentView, n: int) -> dict[str, Any]:
    update = inc.updates[n]
    return {
        "id": f"{page.id}/{inc.id}/{len(inc.updates) - n}",
        "status": update.status,
        "body": update.body,
        "created_at": _iso(update.at),
        "display_at": _iso(update.at),
    }


def _public(incident: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in incident.items() if not k.startswith("_")}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
