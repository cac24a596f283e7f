"""One pushed update (a webhook payload) of one page: parse, diff, emit, save — under the lock.

The same path as a poll (monitor/poll.py): the same page lock, the same detector with the
same data-derived dedup keys, events emitted *before* the state is saved. So a webhook and a
poll of the same change, or the same webhook twice, print once. A payload is a partial view:
`diff` only adds what it shows; the poll that follows (`hint_due`) catches what it leaves out.
Unlike a poll, which skips a busy page, a webhook waits for the lock: its update must not be
dropped. If the lock stays taken, `PageBusy` says "try again later". An ingest does no network
I/O under the lock, so it takes it for one lease (monitor.lease, 5 s), not a poll's bound: an
ingest killed mid-way frees the page within seconds.

Also the Redis bookkeeping of deliveries: enqueued ones (to drop replays), and the hint-poll
throttle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import redis

from monitor import keys, store
from monitor.adapters import get_adapter
from monitor.detect import diff
from monitor.events import StatusEvent
from monitor.lease import LEASE
from monitor.pages import PageConfig

Emit = Callable[[list[StatusEvent]], None]
LOCK_WAIT = 20.0  # seconds a webhook waits for a poll of the same page to finish
HINT_EVERY = 5  # seconds: at most one hint poll per page, however many webhooks arrive


class PageBusy(Exception):
    """Transient: the page lock was not free within LOCK_WAIT. Retry the webhook later."""


def ingest(
    r: redis.Redis,
    page: PageConfig,
    payload: dict[str, Any],
    emit: Emit,
    now: datetime,
    lock_wait: float = LOCK_WAIT,
    retention: timedelta = timedelta(days=30),
) -> list[StatusEvent]:
    """The events the payload adds to the page's state; ParseError if its shape is unknown."""
    kind = webhook_kind(r, page)
    snap = get_adapter(kind).parse_webhook(payload, page)
    lock = store.page_lock(r, page.id, wait=lock_wait, ttl=LEASE)
    if not lock.acquire():
        raise PageBusy(page.id)
    try:
        result = diff(page, kind, store.load_state(r, page.id), snap, now, "webhook", retention)
        emit(result.events)
        store.save_state(r, page.id, result.state, result.events)
    finally:
        lock.release()
    return result.events


def webhook_kind(r: redis.Redis, page: PageConfig) -> str:
    """The platform a page's webhooks are read as: its `kind`, else the one its polls found
    (the state's `platform`), else Statuspage's shape, until a poll has found one."""
    if page.kind:
        return page.kind
    state = store.load_state(r, page.id)
    return (state.platform if state else None) or "statuspage"


def hint_due(r: redis.Redis, page_id: str, every: int = HINT_EVERY) -> bool:
    """Whether to poll the page now. SET NX EX: the first webhook in a window wins; the losers
    send no poll, since one is already on its way (and the provider is spared a burst)."""
    return bool(r.set(keys.hint(page_id), "1", nx=True, ex=every))


def delivered(r: redis.Redis, page_id: str, replay_id: str) -> bool:
    """Whether this delivery (monitor.signing `Verified.replay_id`) was already enqueued: a
    replay, answered 2xx by the caller so the sender stops retrying, and not enqueued again."""
    return bool(r.exists(keys.webhook_id(page_id, replay_id)))


def remember_delivery(r: redis.Redis, page_id: str, replay_id: str, ttl: int) -> None:
    """Remember a delivery for `ttl` seconds, once it is enqueued: only then. A delivery whose
    publish failed is not remembered, so the sender's retry is enqueued. Two copies that race
    may both be enqueued; ingest() prints once anyway (the same dedup keys)."""
    r.set(keys.webhook_id(page_id, replay_id), "1", ex=ttl)
