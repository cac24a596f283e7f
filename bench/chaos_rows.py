"""The rows of `make chaos`: each fault's label, how often it is injected, and what explains a
missed line in its row (bench/chaos_faults.py injects them)."""

from __future__ import annotations

from dataclasses import dataclass

SUPERVISED = ("run-hup", "run-second")  # rows run under `statusmon run`, not bare processes
FREEZE = 10.0  # seconds Redis is stopped (SIGSTOP … SIGCONT)
DOWN = 30.0  # seconds Redis is not running
FULL = 10.0  # seconds Redis memory is past the threshold (a ballast key, then freed)

OUTAGE = (
    "an unobservable change here is a status that began and ended while Redis could not be "
    "reached (or the return from it): a poller sees states, and no poll runs without Redis"
)

HELD = (
    "an unobservable change here is a status that began and ended while the tick held polls "
    "back (back-pressure: monitor/memory.py), or the return from it; queued lines were all printed"
)

DEAD = (
    "an unobservable change here is a status that began and ended while no poll could run (the "
    "poll worker, or beat, the only scheduler, killed and its successor not yet up), or the "
    "return from it; once up, the polls due meanwhile run at once"
)

LOCKED = (
    "a missed line here is a status that came and went while the page's lock, held by the "
    "killed process mid-poll, lived on and every poll of the page was 'busy': the lock dies with "
    "its holder, within its lease (monitor.lease: 5 s, renewed while its poll runs)"
)

STOPPED = (
    "an unobservable change here is a status that began and ended while the monitor was "
    "stopped (SIGHUP stops the whole run, by design) and not yet up again, or the return from it"
)

FAILOVER = (
    "a missed line here is a status that began and ended while there was no primary to poll"
    " with (from the kill until the replica was promoted and the workers had reconnected); a"
    " queued line lost with the old primary is sent again from the outbox (see the cost above)"
)


@dataclass(frozen=True)
class Fault:
    what: str  # the row's label
    cap: int = 100  # at most this many injections per row (a freeze takes its time)
    scale: int = 1  # this many times --times injections (the notifier: many kills)
    why: str = ""  # what explains an unobservable change (or a missed line) in this row


FAULTS = {  # the rows, in this order
    "notifier-kill": Fault("kill -9 of the notifier", scale=3),
    "worker-kill": Fault(
        "kill -9 of the poll worker's main process (its children with it)", why=DEAD
    ),
    "child-kill": Fault("kill -9 of a prefork child of the poll worker, mid-batch", why=LOCKED),
    "beat-kill": Fault("kill -9 of beat", why=DEAD),
    "beat-term": Fault("SIGTERM of beat", why=DEAD),
    "redis-term": Fault("Redis restarted: SIGTERM (it saves), started again"),
    "redis-kill": Fault("Redis restarted: kill -9 (append-only file, fsync every second)"),
    "redis-freeze": Fault(f"Redis frozen {FREEZE:.0f} s (SIGSTOP, SIGCONT)", cap=2, why=OUTAGE),
    "redis-down": Fault(f"Redis unreachable {DOWN:.0f} s (stopped, started again)", 1, why=OUTAGE),
    "redis-full": Fault(f"Redis past REDIS_MEMORY_HIGH for {FULL:.0f} s", cap=2, why=HELD),
    "sentinel-failover": Fault("Sentinel failover: kill -9 of the primary", cap=2, why=FAILOVER),
    "web-kill": Fault("kill -9 of a web worker (gunicorn) while webhooks arrive"),
    "run-hup": Fault("SIGHUP of `statusmon run` (all stops), started again", why=STOPPED),
    "run-second": Fault("a second `statusmon run` on the same data folder"),
}
