"""The notifier's own broker bookkeeping: a line taken by a notifier that dies comes back in
seconds, not after the poll worker's 300 s visibility timeout.

kombu's Redis transport keeps each message a consumer took, until it is acknowledged, in an
`unacked` hash, and hands back those older than `visibility_timeout` in a sweep every
`unacked_restore_interval` x `unacked_restore_throttle` seconds (10 x 10 by default). The
notifier keeps its messages in keys of its own, so that:

- at start, before it consumes, it hands back every notify message a notifier took before it
  (a notifier killed with a line in hand: the supervisor starts the next one a second later);
- its sweep, every RESTORE_EVERY seconds, hands back notify messages older than
  VISIBILITY_TIMEOUT (a notifier that died while another one runs). That exceeds the longest
  a notify message is held on purpose: a retry's countdown (CLAIM_TTL, WRITE_RETRY_CAP: 60 s).

The poll worker's sweep never sees these keys, and this sweep never sees the poll worker's:
a short timeout here cannot hand back a poll that is still running. With several notifiers, a
starting one also hands back what the others hold: run twice, such a line is printed once (the
claim, monitor/notify.py), at the cost of one more task.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Celery
from celery.signals import celeryd_init
from kombu.exceptions import OperationalError

from monitor import keys

VISIBILITY_TIMEOUT = 90  # seconds
RESTORE_EVERY = 5  # seconds between sweeps (a ZRANGE on a small sorted set)
OPTIONS: dict[str, Any] = {
    "unacked_key": keys.NOTIFY_UNACKED,
    "unacked_index_key": keys.NOTIFY_UNACKED_INDEX,
    "unacked_mutex_key": keys.NOTIFY_UNACKED_MUTEX,
    "visibility_timeout": VISIBILITY_TIMEOUT,
    "unacked_restore_interval": RESTORE_EVERY,
    "unacked_restore_throttle": 1,
}
log = logging.getLogger("statusmon.notifier")


def is_notifier(options: dict[str, Any] | None) -> bool:
    queues = (options or {}).get("queues") or []
    if isinstance(queues, str):
        queues = queues.split(",")
    return keys.NOTIFY_QUEUE in queues


def restore_orphans(app: Celery, before: float) -> int:
    """Hand back every notify message taken before `before` and not acknowledged; how many."""
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        channel: Any = conn.default_channel
        tags = channel.client.zrange(channel.unacked_index_key, 0, before, byscore=True)
        for tag in tags:
            channel.qos.restore_by_tag(tag)
        return len(tags)


@celeryd_init.connect
def _notifier_broker(
    conf: Any = None, options: dict[str, Any] | None = None, instance: Any = None, **_: Any
) -> None:
    if conf is None or not is_notifier(options):
        return
    conf.broker_transport_options = {**(conf.broker_transport_options or {}), **OPTIONS}
    if instance is None:
        return
    try:
        restored = restore_orphans(instance.app, time.time())
    except OperationalError as exc:  # no Redis yet: the sweep hands them back later
        log.warning("unacknowledged lines not handed back at start: %s", exc)
        return
    if restored:
        log.warning("%d unacknowledged line(s) of a previous notifier handed back", restored)
