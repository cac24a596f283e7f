"""A board's worth of data in the suite's Redis, written the way the system writes it: pages in
the registry (monitor.registry), page states (monitor.store), printed events in the event log
(monitor.eventlog's Recorder), poll marks and heartbeats (monitor.counters, monitor.store)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from monitor import counters, keys, store
from monitor.eventlog import Recorder
from monitor.events import StatusEvent, dedup_key
from monitor.pages import PageConfig
from monitor.registry import sync_pages
from monitor.settings import Settings, WebSettings
from monitor.state import ComponentState, IncidentState, PageState
from monitor.web.ingress import create_app
from tests.support.web import write_pages

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def app(folder: Path, redis_url: str, **web: object) -> Flask:
    """The web app with no pages of its own to take webhooks for (the board reads Redis)."""
    path = write_pages(folder, [])
    settings = Settings(redis_url=redis_url, pages_path=str(path), web=WebSettings(**web))
    return create_app(settings)


def page(page_id: str, name: str, interval: int = 60) -> PageConfig:
    return PageConfig(
        id=page_id, name=name, url=f"https://{page_id}.example.invalid/", interval=interval
    )


def register(r: store.Redis, *pages: PageConfig) -> None:
    sync_pages(r, list(pages), time.time())


def healthy(r: store.Redis) -> None:
    for role in keys.ROLES:
        store.heartbeat(r, role)


def polled(r: store.Redis, page_id: str, outcome: str = "not_modified") -> None:
    counters.record_poll(r, page_id, outcome, 0, 0)


def state(
    components: dict[str, tuple[str, str]] | None = None,
    incidents: dict[str, tuple[str, list[str]]] | None = None,
    group: str | None = None,
    maintenance: bool = False,
) -> PageState:
    """components: id -> (name, status); incidents: id -> (name, component ids), open."""
    return PageState(
        platform="statuspage",
        components={
            cid: ComponentState(st, st, name, group_id=group, group_name=group)
            for cid, (name, st) in (components or {}).items()
        },
        incidents={
            iid: IncidentState("investigating", name, component_ids=ids, maintenance=maintenance)
            for iid, (name, ids) in (incidents or {}).items()
        },
    )


def incident_event(
    page_id: str, name: str, incident: str, update: str, phase: str, body: str, at: datetime = T0
) -> StatusEvent:
    return StatusEvent(
        page_id=page_id,
        page_name=name,
        provider="statuspage",
        kind="incident",
        product=f"{name} - API",
        status=phase,
        status_raw=phase,
        occurred_at=at,
        dedup_key=dedup_key(page_id, "incident", incident, update),
        body=body,
        incident_id=incident,
        incident_name="Elevated errors",
        update_id=update,
        url=f"https://{page_id}.example.invalid/incidents/{incident}",
    )


def component_event(
    page_id: str, name: str, component: str, new: str, old: str, at: datetime = T0
) -> StatusEvent:
    return StatusEvent(
        page_id=page_id,
        page_name=name,
        provider="statuspage",
        kind="component",
        product=f"{name} - API",
        status=new,
        status_raw=new,
        previous_status=old,
        occurred_at=at,
        dedup_key=dedup_key(page_id, "component", component, new, at.isoformat()),
        component_ids=(component,),
    )


def log(r: store.Redis, *events: StatusEvent) -> list[str]:
    """Each event marked printed (appended to the event log); their entry ids."""
    recorder = Recorder(ZoneInfo("UTC"), 90)
    ids = [recorder.mark(r, e, 3600) for e in events]
    return [i for i in ids if i is not None]
