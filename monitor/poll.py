"""One poll of one page: back-off check, conditional fetch, parse, backfill, diff, emit, save.

Events are emitted *before* the new state is saved: a crash in between re-detects the same
changes next time, with the same data-derived dedup keys, so the notifier prints them once. The
state is saved with its events (monitor.outbox): a notify task lost after that is sent again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property, partial
from typing import cast

import redis
import requests

from monitor import keys, store
from monitor.adapters import get_adapter
from monitor.adapters.base import Adapter, MultiUrlAdapter, extra_urls
from monitor.backfill import backfill
from monitor.backoff import record_failure, record_success
from monitor.detect import diff, migrated
from monitor.errors import ParseError, PollError
from monitor.events import StatusEvent
from monitor.fetch import Fetched, conditional_get, plain_get
from monitor.model import Snapshot
from monitor.pace import decide
from monitor.pages import PageConfig
from monitor.pollstore import Begun, Ending, PollStore
from monitor.probe import probe
from monitor.state import PageState
from monitor.store import Validators

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
    counted: bool = False  # counted by the poll itself (monitor.pollstore.finish)


@dataclass(frozen=True)
class Seen:
    """What a changed poll's fetches leave to save: each URL's validators and full body size
    (None: a 304), and the summary's Cache-Control max-age."""

    validators: Mapping[str, tuple[Validators, int | None]] = field(default_factory=dict)
    max_age: int = 0


def begin_urls(page: PageConfig) -> list[str]:
    """The URLs whose validators `begin` reads: none for a page whose platform is detected
    (its state says which, read under the lock)."""
    if not page.kind:
        return []
    adapter = get_adapter(page.kind)
    return [adapter.summary_url(page), *extra_urls(adapter, page)]


@dataclass(frozen=True)
class Poller:
    redis: redis.Redis
    session: requests.Session
    timeout: float = 10.0
    retention: timedelta = timedelta(days=30)
    backoff_base: float = 5.0  # seconds after the first transient error; doubles each time

    @cached_property
    def scripts(self) -> PollStore:
        return PollStore(self.redis, keys.lock_ttl(self.timeout))

    def poll(self, page: PageConfig, emit: Emit) -> PollResult:
        """A 304 poll is two Redis round trips: `begin` and `finish` (monitor.pollstore)."""
        begun = self.scripts.begin(page.id, page.host, begin_urls(page), time.time())
        skipped = self.skipped(begun)
        if skipped is not None:
            return skipped
        result: PollResult | None = None
        try:
            result = self.run_locked(page, emit, begun)
        finally:  # an exception goes on, its poll not counted, the lock released
            self.ended(page, begun, result, self.scripts.finish(self.ending(page, begun, result)))
        assert result is not None  # else the exception went on
        return result

    @staticmethod
    def skipped(begun: Begun) -> PollResult | None:
        """The result of a poll `begin` did not let through (None: it holds the lock)."""
        if begun.outcome == "backed_off":
            assert begun.backoff_until is not None
            # Spread the host's skipped pages over a few seconds after its back-off ends.
            until = begun.backoff_until
            return PollResult("backed_off", retry_at=until + random.uniform(0, RETRY_SPREAD))
        if begun.outcome == "busy":
            return PollResult("busy")  # another worker polls this page right now: nothing to add
        return None

    def run_locked(self, page: PageConfig, emit: Emit, begun: Begun) -> PollResult:
        """The poll under the lock `begin` took; `finish` is the caller's."""
        try:
            return self._poll_locked(page, emit, begun)
        except PollError as exc:
            return self._failed(page, exc)

    @staticmethod
    def ending(page: PageConfig, begun: Begun, result: PollResult | None) -> Ending:
        outcome = None if result is None else result.outcome
        sizes = (0, 0) if result is None else (result.size, result.full_size)
        return Ending(page.id, begun.token, outcome, sizes, page.interval, time.time())

    def ended(self, page: PageConfig, begun: Begun, result: PollResult | None, held: bool) -> None:
        """After `finish`: say so when the lock had expired (the poll outlived its bound, or
        its renewals failed for a lease: monitor.lease); a poll that went through clears its
        host's back-off."""
        if not held:
            log.warning(
                "page %s: the poll lost its page lock (it took longer than %.0f s, or Redis "
                "could not renew it)",
                page.id,
                keys.lock_ttl(self.timeout),
                extra={"page_id": page.id},
            )
        if result is None:
            return
        result.counted = True
        if begun.backoff_until is not None and result.outcome != "error":
            record_success(self.redis, page.host)  # only a poll that went through clears it

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

    def _poll_locked(self, page: PageConfig, emit: Emit, begun: Begun) -> PollResult:
        prev = None if page.kind else store.load_state(self.redis, page.id)
        kind = page.kind or (prev.platform if prev else None)
        if kind is None:  # auto-detection: probe once, then the choice lives in the state
            return self._detect(page, prev, emit)
        adapter = get_adapter(kind)
        if page.kind:  # `begin` read them, in the order of begin_urls
            urls, old, sizes = list(begun.validators), begun.validators, begun.sizes
        else:
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
        saves = {u: (f.validators, None if f.status == 304 else f.size) for u, f in fetched.items()}
        seen = Seen(saves, fetched[urls[0]].max_age)
        result = self._apply(page, kind, adapter, prev, snap, fresh, emit, seen)
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
        return self._apply(page, kind, get_adapter(kind), prev, snap, fresh, emit, Seen())

    def _apply(
        self,
        page: PageConfig,
        kind: str,
        adapter: Adapter,
        prev: PageState | None,
        snap: Snapshot,
        fresh: bool,
        emit: Emit,
        seen: Seen,
    ) -> PollResult:
        """`fresh`: no state, or the page moved platform or ids: this snapshot is a baseline.
        The state, `seen`'s validators and the page's pace are saved in one round trip."""
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
        changed = bool(result.events or result.filtered) and not fresh
        pace = decide(page, result.state, changed, now.timestamp(), seen.max_age)
        self.scripts.save(
            page.id, result.state, seen.validators, pace, now.timestamp(), result.events
        )
        return PollResult("changed", result.events, filtered=result.filtered)
