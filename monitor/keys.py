"""Every Redis key and TTL statusmon uses, the process roles and the Celery queues, in one place."""

from __future__ import annotations

import hashlib

PREFIX = "statusmon:"

# Celery queues (Redis lists of the same name; celeryconfig.task_routes routes tasks to them).
CONTROL_QUEUE = "control"  # the tick and webhook ingest: short, never behind a poll backlog
POLL_QUEUE = "poll"
NOTIFY_QUEUE = "notify"
DELIVER_QUEUE = "deliver"  # one task per (channel, event): sends to Slack, a webhook, …
QUEUES = (CONTROL_QUEUE, POLL_QUEUE, NOTIFY_QUEUE, DELIVER_QUEUE)
# kombu's bookkeeping of the messages the notifier took and has not acknowledged yet, apart from
# the other workers' `unacked`, `unacked_index`, `unacked_mutex` (workers/notify_broker.py).
NOTIFY_UNACKED = "unacked_notify"
NOTIFY_UNACKED_INDEX = "unacked_index_notify"
NOTIFY_UNACKED_MUTEX = "unacked_mutex_notify"
# Process roles: a worker's node name is `<role>@host` (monitor/cli/processes.py), and each
# role's heartbeat is `alive(role)`; beat's is written by the tick.
POLL_ROLE, NOTIFIER_ROLE, BEAT_ROLE = "poll", "notifier", "beat"
DELIVER_ROLE = "deliver"  # the deliverer's node name: deliver@<host>
ROLES = (POLL_ROLE, NOTIFIER_ROLE, BEAT_ROLE)

PAGES = PREFIX + "pages"  # hash: page id -> page config JSON
SCHEDULE = PREFIX + "schedule"  # sorted set: page id -> next due time (unix seconds)
RETRIES = PREFIX + "retries"  # sorted set: page id -> time of an early retry after a failure
INTERVALS = PREFIX + "intervals"  # hash: page id -> poll interval now (quiet or active)
POLLED_AT = PREFIX + "polls:at"  # hash: page id -> unix time its last poll ended (not busy)
FAILING_SINCE = PREFIX + "polls:failing"  # hash: page id -> unix time of its first failed poll
FIRST_SEEN = PREFIX + "polls:first"  # hash: page id -> unix time its state was first stored

OUTBOX = PREFIX + "outbox"  # hash: dedup key -> event JSON, saved with its state (monitor.outbox)
OUTBOX_DUE = PREFIX + "outbox:due"  # sorted set: dedup key -> when to look at it again
OUTBOX_SENT = PREFIX + "outbox:sent"  # hash: dedup key -> times it was sent again
EVENTS = PREFIX + "events"  # stream: every printed event, trimmed by age (monitor.eventlog)
DELIVERIES_DUE = PREFIX + "deliveries:due"  # sorted set: "<channel>|<dedup key>" -> due time
DEAD_LETTERS = PREFIX + "deliveries:dead"  # sorted set: "<channel>|<dedup key>" -> time
DELIVERY_PREFIX = PREFIX + "delivery:"  # + "<channel>:<dedup key>": see delivery()
CHANNEL_STATUS = PREFIX + "channels:status"  # hash: "<channel>|<field>" -> value

CLAIM_TTL = 60  # seconds a notifier holds an event before another may print it
# The page lock guards one poll, whose time goes to its GETs: each is given the fetch deadline
# (MONITOR_FETCH_TIMEOUT, 10 s by default), and one poll makes up to POLL_GETS of them (the page's
# URLs, two for Instatus; after a change the follow-ups: Statuspage's incidents.json and
# scheduled-maintenances.json for incidents that left the summary, and the same two for its
# history). The lock lives that long plus LOCK_MARGIN for Redis and parsing, and no longer. It
# is taken for a short lease its holder renews while the poll runs (monitor.lease): a worker
# killed mid-poll holds its page at most lease.LEASE seconds (5 s), then the next tick polls it.
# A poll that outlives its lock (more follow-ups, a server that trickles) finishes anyway: a poll
# beside it emits the same data-derived dedup keys, so the notifier prints each change once.
POLL_GETS = 4
LOCK_MARGIN = 5.0  # seconds


def lock_ttl(fetch_timeout: float) -> float:
    """Seconds a poll may hold its page: POLL_GETS fetch deadlines plus LOCK_MARGIN."""
    return POLL_GETS * fetch_timeout + LOCK_MARGIN


LOCK_TTL = lock_ttl(10.0)  # the default fetch deadline's; an ingest (no GET) holds it less
LOCK_POLL = 0.005  # seconds between looks at a page lock another task holds
BODY_SIZE_TTL = 30 * 86400  # seconds the last full body size of a URL is remembered
BACKOFF_CAP = 900  # seconds: longest back-off after repeated errors
HEARTBEAT_TTL = 300


def state(page_id: str) -> str:
    return f"{PREFIX}state:{page_id}"


def pace(page_id: str) -> str:
    """hash: the page's interval now and why (monitor.pace, written by monitor.pollstore)."""
    return f"{PREFIX}pace:{page_id}"


def lock(page_id: str) -> str:
    return f"{PREFIX}lock:{page_id}"


def validators(url: str) -> str:
    return f"{PREFIX}http:{hashlib.sha256(url.encode()).hexdigest()[:24]}"


def hint(page_id: str) -> str:
    """Set while a webhook-triggered poll of the page is on its way (monitor.ingest)."""
    return f"{PREFIX}hint:{page_id}"


def webhook_id(page_id: str, message_id: str) -> str:
    """A delivery (its signed id or body digest) enqueued lately: a replay of it is dropped."""
    digest = hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{PREFIX}webhook-id:{page_id}:{digest}"


def backoff(host: str) -> str:
    return f"{PREFIX}backoff:{host}"


def event(dedup_key: str) -> str:
    return f"{PREFIX}event:{dedup_key}"


def delivery(channel: str, dedup_key: str) -> str:
    """hash: one (channel, event) delivery: its state, attempts, last error and the event."""
    return f"{DELIVERY_PREFIX}{channel}:{dedup_key}"


def bucket(channel: str) -> str:
    """hash: the channel's token bucket (tokens, last refill), shared by every worker."""
    return f"{PREFIX}bucket:{channel}"


def channel_busy(channel: str) -> str:
    """string: the one attempt in flight to a channel that last failed (monitor.delivery)."""
    return f"{PREFIX}busy:{channel}"


def channel_suspect(channel: str) -> str:
    """string: set while a channel's last attempt failed; cleared by its next success."""
    return f"{PREFIX}suspect:{channel}"


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
METRICS_DELIVERIES = METRICS + "deliveries"  # hash: "<channel>|<outcome>" -> count
METRICS_HELD_BACK = METRICS + "held_back"  # string: ticks that sent no polls (Redis memory high)
METRICS_DELIVERY_LAG = METRICS + "delivery_lag"  # hash: like METRICS_LAG, printed -> accepted


def body_size(url: str) -> str:
    """string: size of the last full body fetched from url (what a 304 saved)."""
    return f"{METRICS}size:{hashlib.sha256(url.encode()).hexdigest()[:24]}"
