"""Every Redis key and TTL statusmon uses, in one place."""

from __future__ import annotations

import hashlib

PREFIX = "statusmon:"

PAGES = PREFIX + "pages"  # hash: page id -> page config JSON
SCHEDULE = PREFIX + "schedule"  # sorted set: page id -> next due time (unix seconds)
RETRIES = PREFIX + "retries"  # sorted set: page id -> time of an early retry after a failure
INTERVALS = PREFIX + "intervals"  # hash: page id -> poll interval seconds

CLAIM_TTL = 60  # seconds a notifier holds an event before another may print it
LOCK_TTL = 120  # seconds a poll may hold its page
BACKOFF_CAP = 900  # seconds: longest back-off after repeated errors
HEARTBEAT_TTL = 300


def state(page_id: str) -> str:
    return f"{PREFIX}state:{page_id}"


def lock(page_id: str) -> str:
    return f"{PREFIX}lock:{page_id}"


def validators(url: str) -> str:
    return f"{PREFIX}http:{hashlib.sha256(url.encode()).hexdigest()[:24]}"


def hint(page_id: str) -> str:
    """Set while a webhook-triggered poll of the page is on its way (monitor.ingest)."""
    return f"{PREFIX}hint:{page_id}"


def webhook_id(page_id: str, message_id: str) -> str:
    """A signed webhook's id, remembered for its timestamp window to drop replays."""
    digest = hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{PREFIX}webhook-id:{page_id}:{digest}"


def backoff(host: str) -> str:
    return f"{PREFIX}backoff:{host}"


def event(dedup_key: str) -> str:
    return f"{PREFIX}event:{dedup_key}"


def alive(role: str) -> str:
    return f"{PREFIX}alive:{role}"


# Metrics: counters shared by every process and container, read by the /metrics collector.
METRICS = PREFIX + "metrics:"
METRICS_POLLS = METRICS + "polls"  # hash: "<page id>|<outcome>" -> polls
METRICS_BYTES = METRICS + "bytes"  # hash: "<page id>|fetched" / "<page id>|full" -> bytes
METRICS_EVENTS = METRICS + "events"  # hash: event kind -> printed events
METRICS_NOTIFY = METRICS + "notify"  # hash: notify outcome (printed, duplicate, …) -> count
METRICS_WEBHOOK_REJECTIONS = METRICS + "webhook_rejections"  # hash: reason -> count
METRICS_FILTERED = METRICS + "filtered"  # hash: page id -> events held back by its filters
METRICS_LAG = METRICS + "lag"  # hash: bucket upper bound ("+Inf" last) -> count, "sum" -> s


def body_size(url: str) -> str:
    """string: size of the last full body fetched from url (what a 304 saved)."""
    return f"{METRICS}size:{hashlib.sha256(url.encode()).hexdigest()[:24]}"
