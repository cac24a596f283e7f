"""The events whose page state was saved, kept until their line is printed: a notify task lost
after the state that records its change was saved is sent again.

Why: a poll sends an event's notify task before it saves the state that says the change was
seen (monitor/poll.py), and Redis replicates writes in order, so a failover that keeps the
state keeps the task too. But the task is not safe in the queue: kombu takes a message with
BRPOP and records it as taken (its `unacked` hash) with a second command. A primary killed
between the two (or a consumer's connection lost between them) keeps the pop, not the record:
the message is gone, and the state says "seen", so no poll sends it again. Seen in a Sentinel
failover in `make chaos` (issue 14): the replica promoted held the page's new state and an
empty notify queue; the notifier never received the task.

So the state and its events are saved together (one MULTI: `stage`), and the tick `resend`s
each event still not printed GRACE seconds later, then less and less often (doubling, up to
RESEND_CAP) until its line is printed. A resent event that was printed meanwhile costs a task
and nothing else (the notifier's claim: monitor/notify.py); one printed finds its entry here
and drops it at the next look. The notifier never writes here: the printed path costs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import cast

import redis

from monitor import keys
from monitor.events import StatusEvent
from monitor.notify import PRINTED

GRACE = 30.0  # seconds after its state was saved before an unprinted event is sent again
RESEND_CAP = 3600.0  # longest wait between two sends of an event still not printed
BATCH = 1000  # events looked at per tick at most (about a millisecond of Redis)

# KEYS: the outbox hash (dedup key -> event JSON), its due set (dedup key -> next look), the
# resend counts. ARGV: now, BATCH, the claim keys' prefix, GRACE, RESEND_CAP.
# Returns the JSON of each event to send again. The claim keys are read by name, not declared:
# fine on one Redis (or a Sentinel pair), as statusmon runs, not on a Redis Cluster.
RESEND = """
local now, grace, cap = tonumber(ARGV[1]), tonumber(ARGV[4]), tonumber(ARGV[5])
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, ARGV[2])
local out = {}
for _, key in ipairs(due) do
  local event = redis.call('HGET', KEYS[1], key)
  if not event or redis.call('GET', ARGV[3] .. key) == ARGV[6] then
    redis.call('HDEL', KEYS[1], key)
    redis.call('HDEL', KEYS[3], key)
    redis.call('ZREM', KEYS[2], key)
  else
    local sent = redis.call('HINCRBY', KEYS[3], key, 1)
    redis.call('ZADD', KEYS[2], now + math.min(cap, grace * 2 ^ sent), key)
    table.insert(out, event)
  end
end
return out
"""


def stage(pipe: redis.client.Pipeline, events: Sequence[StatusEvent], now: float) -> None:
    """Add `events` to the outbox in `pipe`, the MULTI that saves their page's state."""
    if not events:
        return
    pipe.hset(keys.OUTBOX, mapping={e.dedup_key: json.dumps(e.to_dict()) for e in events})
    pipe.zadd(keys.OUTBOX_DUE, {e.dedup_key: now + GRACE for e in events})


def resend(r: redis.Redis, now: float, grace: float = GRACE) -> list[StatusEvent]:
    """The events due to be sent again (their next look moved on); the printed ones leave."""
    script_keys = [keys.OUTBOX, keys.OUTBOX_DUE, keys.OUTBOX_SENT]
    args: list[str | float] = [now, BATCH, keys.event(""), grace, RESEND_CAP, PRINTED]
    rows = cast(list[str], r.register_script(RESEND)(keys=script_keys, args=args))
    return [StatusEvent.from_dict(json.loads(row)) for row in rows]
