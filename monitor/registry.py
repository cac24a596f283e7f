"""The page registry in Redis: each page's config as JSON (what a worker needs to poll it) and
its interval, kept equal to pages.yaml by `sync_pages`, which also enters new pages in the
poll schedule (monitor.schedule) and takes removed ones out of it. A page that is active now
(monitor.pace) keeps polling at its active interval, as its config gives it. It says what it
changed (`Synced`), which `statusmon pages sync` prints.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

import redis

from monitor import keys
from monitor.filters import Filters
from monitor.pace import QUIET, active_interval
from monitor.pages import Labels, PageConfig
from monitor.pollstore import load_paces
from monitor.schedule import first_due


@dataclass(frozen=True)
class Synced:
    """Page ids, sorted, by what a sync did to them."""

    added: list[str]
    removed: list[str]
    changed: list[str]  # config or interval differs from what the registry held
    unchanged: int


def sync_pages(r: redis.Redis, pages: list[PageConfig], now: float) -> Synced:
    """Make the registry and schedule match `pages`: add new, update changed, drop removed."""
    wanted = {p.id: page_to_json(p) for p in pages}
    held = {_text(k): _text(v) for k, v in r.hgetall(keys.PAGES).items()}
    removed = sorted(set(held) - set(wanted))
    added = sorted(set(wanted) - set(held))
    changed = sorted(i for i in set(wanted) & set(held) if wanted[i] != held[i])
    paces = load_paces(r, list(wanted))
    with r.pipeline() as p:
        for page_id in removed:
            p.hdel(keys.PAGES, page_id)
            p.hdel(keys.INTERVALS, page_id)
            p.zrem(keys.SCHEDULE, page_id)
            p.zrem(keys.RETRIES, page_id)
            p.delete(keys.pace(str(page_id)))
            p.hdel(keys.POLLED_AT, page_id)
            p.hdel(keys.FAILING_SINCE, page_id)
            p.hdel(keys.FIRST_SEEN, page_id)
        for page in pages:
            p.hset(keys.PAGES, page.id, wanted[page.id])
            p.hset(keys.INTERVALS, page.id, current_interval(page, paces[page.id]))
            due = first_due(page.id, page.interval, now, len(pages))
            p.zadd(keys.SCHEDULE, {page.id: due}, nx=True)
        p.execute()
    return Synced(added, removed, changed, len(wanted) - len(added) - len(changed))


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def current_interval(page: PageConfig, pace: dict[str, str]) -> int:
    """The page's interval now: its active one while its pace says it is active."""
    if pace.get("reason", QUIET) == QUIET:
        return page.interval
    return active_interval(page, int(pace.get("max_age") or 0))


def load_page(r: redis.Redis, page_id: str) -> PageConfig | None:
    raw = r.hget(keys.PAGES, page_id)
    return None if raw is None else page_from_json(raw)


def load_pages(r: redis.Redis, page_ids: list[str]) -> list[PageConfig | None]:
    """`load_page` for each, in one round trip."""
    raws = r.hmget(keys.PAGES, page_ids) if page_ids else []
    return [None if raw is None else page_from_json(raw) for raw in raws]


def page_to_json(page: PageConfig) -> str:
    """Everything a worker needs; webhook secrets stay with the processes that read pages.yaml."""
    data = asdict(replace(page, webhook=None))
    return json.dumps(data, sort_keys=True)


def page_from_json(raw: str | bytes) -> PageConfig:
    data = json.loads(raw)
    data["labels"] = Labels(**data.get("labels", {}))
    filters: dict[str, Any] = data.get("filters") or {}
    data["filters"] = Filters(
        include=tuple(filters.get("include", ())),
        exclude=tuple(filters.get("exclude", ())),
        min_severity=filters.get("min_severity"),
        maintenance=filters.get("maintenance", "announce"),
    )
    return PageConfig(**data)
