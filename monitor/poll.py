"""One poll of one page: back-off check, conditional fetch, parse, backfill, diff, emit, save.

Events are emitted *before* the new state is saved: a crash in between re-detects the same
changes next time, with the same data-derived dedup keys, so the notifier prints them once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import cast

import redis
import requests
from redis.lock import Lock

from monitor import keys, store
from monitor.adapters import get_adapter
from monitor.adapters.base import Adapter, MultiUrlAdapter, extra_urls
from monitor.backfill import backfill
from monitor.backoff import backoff_until, record_failure, record_success
from monitor.detect import diff, migrated
from monitor.errors import ParseError, PollError
from monitor.events import StatusEvent
from monitor.fetch import Fetched, conditional_get, plain_get
from monitor.model import Snapshot
from monitor.pages import PageConfig
from monitor.probe import probe
from monitor.state import PageState

log = logging.getLogger("statusmon.poll")

Emit = Callable[[list[StatusEvent]], None]
RETRY_SPREAD = 5.0  # seconds over which a backed-off host's skipped pages are retried
HISTORY_SLACK = timedelta(minutes=5)  # a CDN-cached summary may be this late


@dataclass
class PollResult:
    outcome: str  # changed | not_modified | backed_off | busy | error
    events: list[StatusEvent] = field(default_factory=list)
    size: int = 0  # bytes received
    full_size: int = 0  # bytes a fetch without validators would have cost (monitor.counters)
    filtered: int = 0  # events the page's filters held back
    retry_at: float | None = None  # unix time: try again then (when the host's back-off ends)


@dataclass(frozen=True)
class Poller:
    redis: redis.Redis
    session: requests.Session
    timeout: float = 10.0
    retention: timedelta = timedelta(days=30)
    backoff_base: float = 5.0  # seconds after the first transient error; doubles each time

    def poll(self, page: PageConfig, emit: Emit) -> PollResult:
        until = backoff_until(self.redis, page.host)
        if until is not None and until > time.time():
            # Spread the host's skipped pages over a few seconds after its back-off ends.
            return PollResult("backed_off", retry_at=until + random.uniform(0, RETRY_SPREAD))
        lock = store.page_lock(self.redis, page.id, ttl=keys.lock_ttl(self.timeout))
        if not lock.acquire(blocking=False):
            return PollResult("busy")  # another worker polls this page right now: nothing to add
        try:
            result = self._poll_locked(page, emit)
        except PollError as exc:
            return self._failed(page, exc)
        finally:
            _release(lock, page)
        if until is not None:  # only a poll that went through to the end clears a back-off
            record_success(self.redis, page.host)
        return result

    def _failed(self, page: PageConfig, exc: PollError) -> PollResult:
        """The one place a failed poll is handled: a transient failure backs the host off and
        is retried when that ends; a permanent one waits for the page's next poll."""
        extra = {"page_id": page.id}
        if not exc.transient:
            log.warning(
                "page %s: %s; next try at its next poll", page.id, exc.headline(), extra=extra
            )
            return PollResult("error")
        delay = record_failure(self.redis, page.host, exc.retry_after, self.backoff_base)
        log.warning("page %s: %s; next try in %.0fs", page.id, exc.headline(), delay, extra=extra)
        return PollResult("error", retry_at=time.time() + delay)

    def _poll_locked(self, page: PageConfig, emit: Emit) -> PollResult:
        prev = None if page.kind else store.load_state(self.redis, page.id)
        kind = page.kind or (prev.platform if prev else None)
        if kind is None:  # auto-detection: probe once, then the choice lives in the state
            return self._detect(page, prev, emit)
        adapter = get_adapter(kind)
        urls = [adapter.summary_url(page), *extra_urls(adapter, page)]
        old, sizes = store.load_validators_many(self.redis, urls)  # one round trip for all
        fetched = {url: conditional_get(self.session, url, old[url], self.timeout) for url in urls}
        size = sum(f.size for f in fetched.values())
        full = sum(f.size if f.status != 304 else sizes[url] for url, f in fetched.items())
        if not any(f.changed for f in fetched.values()):
            store.save_validators_many(
                self.redis,
                {
                    u: (f.validators, None if f.status == 304 else f.size)
                    for u, f in fetched.items()
                    if f.validators != old[u] or f.status != 304
                },
            )
            return PollResult("not_modified", size=size, full_size=full)
        if page.kind:  # the state is read only when there is something to diff it against
            prev = store.load_state(self.redis, page.id)
        try:
            snap = self._parse(adapter, page, fetched)
        except ParseError:
            if page.kind:
                raise
            return self._detect(page, prev, emit)  # an auto-detected page changed its shape
        fresh = prev is None or migrated(prev, kind, snap)
        if page.kind is None and prev is not None and fresh:
            return self._detect(page, prev, emit)  # new ids: maybe a richer platform now
        result = self._apply(page, kind, adapter, prev, snap, fresh, emit)
        store.save_validators_many(
            self.redis,
            {u: (f.validators, None if f.status == 304 else f.size) for u, f in fetched.items()},
        )
        result.size, result.full_size = size, full
        return result

    def _parse(self, adapter: Adapter, page: PageConfig, fetched: dict[str, Fetched]) -> Snapshot:
        """One URL: parse it. Several (e.g. Instatus): re-read the unchanged ones and merge."""
        if len(fetched) == 1:
            (only,) = fetched.values()
            assert only.body is not None
            return adapter.parse(only.body, page)
        bodies: dict[str, bytes] = {}
        for url, f in fetched.items():
            body = f.body if f.body is not None else plain_get(self.session, url, self.timeout)
            if body is not None:
                bodies[url] = body
        return cast(MultiUrlAdapter, adapter).parse_many(bodies, page)

    def _detect(self, page: PageConfig, prev: PageState | None, emit: Emit) -> PollResult:
        kind, snap = probe(self.session, page, self.timeout)
        fresh = prev is None or migrated(prev, kind, snap)
        return self._apply(page, kind, get_adapter(kind), prev, snap, fresh, emit)

    def _apply(
        self,
        page: PageConfig,
        kind: str,
        adapter: Adapter,
        prev: PageState | None,
        snap: Snapshot,
        fresh: bool,
        emit: Emit,
    ) -> PollResult:
        """`fresh`: no state, or the page moved platform or ids: this snapshot is a baseline."""
        now = datetime.now(UTC)
        if prev is not None and not fresh:
            get = partial(plain_get, self.session, timeout=self.timeout)
            backfill(adapter, page, prev, snap, get, now)  # what the summary no longer shows
        result = diff(page, kind, prev, snap, now, "poll", self.retention)
        # History before the first poll is not news; after it, look back a little further.
        # Pages write milliseconds: an incident opened in the same one as `now` is news.
        first = now.replace(microsecond=now.microsecond // 1000 * 1000)
        result.state.news_since = (first if fresh else now - HISTORY_SLACK).isoformat()
        emit(result.events)
        store.save_state(self.redis, page.id, result.state)
        return PollResult("changed", result.events, filtered=result.filtered)


def _release(lock: Lock, page: PageConfig) -> None:
    """A poll that outlived its lock (keys.lock_ttl) lets go of nothing, and says so."""
    try:
        lock.release()
    except redis.exceptions.LockNotOwnedError:
        log.warning(
            "page %s: the poll took longer than its page lock (%.0f s)",
            page.id,
            lock.timeout or 0,
            extra={"page_id": page.id},
        )
