"""AWS Health Dashboard, public events (health.aws.amazon.com).

- Endpoint: `<origin>/public/currentevents` — a JSON array served as **UTF-16 with a BOM**
  (FE FF); `jsonshape.loads` decodes it. Each element is one event: `arn` (the incident id;
  an element without one, seen in 2023, is keyed `<service>_<date>`),
  `status` "0" resolved, "1" informational, "2" degradation, "3" disruption, `date` and
  `end_time` as epoch-second strings, `event_log[]` (→ updates) and `impacted_services{}`.
  Resolved events stay listed for a while, then leave; one that leaves while open is closed.
- Updates: log entries have no ids: keyed `<arn>:<timestamp>:<status>`. A resolved event whose
  log has no status-0 entry gets one closing update keyed `<arn>:end` (its body: the summary).
- Components: the keys of `impacted_services` ("ec2-us-east-1"), named by `service_name`, grouped
  by region (id from the arn, name `region_name`); status from `current`: "0"/"1" operational
  (informational is no status change), "2" degraded, "3" partial_outage. Worst event wins.
- Webhooks: none for the public (EventBridge health events are per account).
- Conditional GET: whatever validators the server sends; body hash otherwise.
- Dedup key: (page, arn, synthesized update id); (page, service key, status, event time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from monitor.adapters.base import Getter
from monitor.adapters.jsonshape import arr, loads, obj, opt_text, text
from monitor.adapters.statuspage import gone
from monitor.errors import ParseError
from monitor.model import Component, Incident, Snapshot, Update
from monitor.pages import PageConfig
from monitor.status import UNKNOWN, rank

STATUSES = {"0": "operational", "1": "operational", "2": "degraded", "3": "partial_outage"}
PHASES = {"0": "resolved", "1": "investigating", "2": "investigating", "3": "investigating"}
IMPACTS = {"0": "none", "1": "none", "2": "minor", "3": "major"}
RESOLVED_PREFIX = "[RESOLVED] "


class AwsAdapter:
    name = "aws"

    def summary_url(self, page: PageConfig) -> str:
        return f"{urlsplit(page.url).scheme}://{page.host}/public/currentevents"

    def parse(self, body: bytes, page: PageConfig) -> Snapshot:
        rows = arr(loads(body, "currentevents"), "currentevents")
        incidents: dict[str, Incident] = {}
        components: dict[str, Component] = {}
        best: dict[str, tuple[int, datetime]] = {}  # worst status wins, then the latest change
        for i, raw in enumerate(rows):
            incident, services = _event(raw, f"currentevents[{i}]")
            incidents[incident.id] = incident
            for comp in services:
                worse = (rank(comp.status), incident.updates[-1].at)
                if comp.id not in best or worse > best[comp.id]:
                    best[comp.id] = worse
                    components[comp.id] = comp
        return Snapshot(page_name=page.name, components=components, incidents=incidents)

    def resolve(
        self, page: PageConfig, missing: list[str], get: Getter, now: datetime
    ) -> dict[str, Incident]:
        # currentevents is the only public list: an open event that left it is over.
        return {arn: gone(arn, now) for arn in missing}

    def parse_webhook(self, payload: dict[str, Any], page: PageConfig) -> Snapshot:
        raise ParseError("the AWS Health Dashboard sends no public webhooks; poll it instead")


def epoch(value: Any, where: str) -> datetime:
    raw = text(value, where)
    try:
        return datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError, OSError):
        raise ParseError(f"{where}: {raw!r} is not an epoch timestamp") from None


def event_id(raw: dict[str, Any], where: str) -> str:
    """The `arn`; else `<service>_<date>`, as the legacy RSS keyed events (`#rds-us-east-1_…`)."""
    if raw.get("arn") not in (None, ""):
        return text(raw["arn"], f"{where}.arn")
    if raw.get("service") in (None, "") or raw.get("date") in (None, ""):
        raise ParseError(f"{where}: no 'arn', and no 'service' and 'date' to key the event by")
    return f"{text(raw['service'], f'{where}.service')}_{text(raw['date'], f'{where}.date')}"


def _event(raw: Any, where: str) -> tuple[Incident, list[Component]]:
    raw = obj(raw, where)
    arn = event_id(raw, where)
    status_raw = text(raw.get("status"), f"{where}.status")
    summary = opt_text(raw.get("summary"), f"{where}.summary") or arn
    end = None if raw.get("end_time") in (None, "") else epoch(raw["end_time"], f"{where}.end_time")
    updates = []
    for j, e in enumerate(arr(raw.get("event_log"), f"{where}.event_log", optional=True)):
        e = obj(e, f"{where}.event_log[{j}]")
        stamp = text(e.get("timestamp"), f"{where}.event_log[{j}].timestamp")
        st = text(e.get("status", status_raw), f"{where}.event_log[{j}].status")
        body = opt_text(e.get("message"), f"{where}.event_log[{j}].message") or ""
        at = epoch(stamp, f"{where}.event_log[{j}].timestamp")
        updates.append(Update(f"{arn}:{stamp}:{st}", PHASES.get(st, UNKNOWN), body, at))
    if not updates:  # no log: the event itself is its first update
        stamp = text(raw.get("date"), f"{where}.date")
        at = epoch(stamp, f"{where}.date")
        updates.append(
            Update(f"{arn}:{stamp}:{status_raw}", PHASES.get(status_raw, UNKNOWN), "", at)
        )
    updates.sort(key=lambda u: u.at)
    closed = status_raw == "0" or end is not None
    if closed and all(u.status != "resolved" for u in updates):
        updates.append(Update(f"{arn}:end", "resolved", summary, end or updates[-1].at))
    region = arn.split(":")[3] if arn.count(":") >= 5 else None
    region_name = opt_text(raw.get("region_name"), f"{where}.region_name")
    services = []
    impacted = obj(raw.get("impacted_services") or {}, f"{where}.impacted_services")
    for key, svc in impacted.items():
        svc = obj(svc, f"{where}.impacted_services.{key}")
        current = text(svc.get("current", status_raw), f"{where}.impacted_services.{key}.current")
        name = opt_text(svc.get("service_name"), f"{where}.impacted_services.{key}.service_name")
        status = STATUSES.get(current, UNKNOWN)
        at = updates[-1].at
        services.append(Component(key, name or key, status, current, region, region_name, at))
    worst = max((text(s.get("max"), "max") for s in impacted.values() if "max" in s), default="")
    incident = Incident(
        id=arn,
        name=summary.removeprefix(RESOLVED_PREFIX),
        status="resolved" if closed else "investigating",
        updates=tuple(updates),
        component_ids=tuple(impacted),
        impact=IMPACTS.get(worst or status_raw, UNKNOWN),
    )
    return incident, services


ADAPTER = AwsAdapter()
