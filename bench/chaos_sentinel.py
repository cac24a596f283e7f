"""The "Sentinel failover" row of `make chaos`: the system runs on a Redis Sentinel setup (a
primary, a replica, three sentinels: tests/support/sentinels.py) instead of one Redis, and each
injection is kill -9 of the primary at a random moment. The sentinels promote the replica
(down after 1 s, then an election); every process finds the new primary through them. The
killed node is started again as a replica once the promotion is done, so the next injection
has a replica to promote.

What a failover can cost: replication is asynchronous, so a write the primary acknowledged
and had not yet sent to the replica is gone — a poll's saved state (its changes are found
again), a printed-event mark (a duplicate line) — and polls and publishes fail for the seconds
until the promotion. A notify task lost with it (or taken by the notifier and not yet recorded
as taken) is sent again from the outbox (monitor.outbox) once its grace has passed: a late
line, not a missed one. The row counts them.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import redis

from bench.procs import celery
from monitor import keys, store
from monitor.cli.redis_server import RedisServer
from tests.support.sentinels import Node, SentinelSetup

if TYPE_CHECKING:
    from bench.chaos_faults import Injector
    from bench.system import System

TIMEOUT = 90.0
RESTART_AFTER = 1.0  # seconds: the supervisor's first back-off
EXITED = (
    "exited on the lost connection and was started again (kombu 5.7 can fail to close a"
    " broken Sentinel connection: AttributeError in restore_unacked, 'Unrecoverable error')"
)


def start_ha(system: System) -> dict[str, str]:
    """The setup up (system.ha); system.redis stands for its primary; the variables that point
    every process at the sentinels."""
    folder = system.run_dir / "ha"
    folder.mkdir(parents=True, exist_ok=True)
    ha = system.ha = SentinelSetup(folder).start()
    system.redis = _server(ha.primary(), ha)
    return ha.env


COST = (
    "a failover can cost what replication had not copied yet: it is asynchronous, so the writes"
    " the primary took just before it died and had not sent to the replica are lost with it — a"
    " printed-event mark (that line printed twice), a poll's state (found again by the next"
    " poll); a queued notify task lost with them, or taken by the notifier and not yet recorded"
    " as taken, is sent again from the outbox 30 s after its poll (monitor.outbox: a late line);"
    " and until the promotion (down-after-milliseconds, here 1 s, plus an election) no poll runs"
)


def failover(injector: Injector) -> list[str]:
    """kill -9 of the primary; returns once a tick ran on the promoted replica (so two
    injections never overlap), with notes: how long the promotion and the recovery took, and
    which process exited on its lost connection and was started again (as `statusmon run`'s
    supervisor or compose's restart policy does)."""
    system = injector.system
    ha = system.ha
    assert ha is not None, "a System started with sentinel=True"
    ha.wait_ready()
    old = ha.primary()
    behind = _lag(ha, old)
    old.stop(signal.SIGKILL)
    began = time.time()
    _wait(lambda: ha.discovered_port() not in (None, old.port), "a replica promoted")
    promoted = time.time() - began
    system.redis = _server(ha.primary(), ha)
    ha.revive(old)
    restarted: list[str] = []
    _wait(lambda: _ticked(injector, began, restarted), "a tick")
    ticked = time.time() - began
    injector.blackouts.append((began, time.time()))  # no poll ran until the tick on the new one
    notes = [
        COST,
        f"failover: the replica {behind} bytes behind at the kill, promoted {promoted:.1f} s"
        f" after it, a tick ran on it {ticked:.1f} s after it",
    ]
    return notes + [f"{name} {EXITED}" for name in restarted]


def _ticked(injector: Injector, since: float, restarted: list[str]) -> bool:
    """A tick since `since`; meanwhile a process that exited is started again."""
    system = injector.system
    with injector.lock:  # the row's crash watcher restarts too: one of them, once
        _restart_exited(injector, restarted)
    return (store.last_seen(system.r, keys.BEAT_ROLE) or 0) > since


def _restart_exited(injector: Injector, restarted: list[str]) -> None:
    system = injector.system
    for name in ("worker", "notifier", "beat"):
        child = system.children.get(name)
        if child is not None and child.process.poll() is not None:
            system.children.pop(name)
            if name == "notifier":
                injector.gone.append(child)  # its lines count
            time.sleep(RESTART_AFTER)
            system.children[name] = celery(name, system.env, system.run_dir)
            restarted.append(name)


def _lag(ha: SentinelSetup, primary: Node) -> int:
    """Bytes of replication stream the replica had not received, read just before the kill."""
    replica = next(n for n in ha.nodes if n is not primary)
    sent = int(primary.client().info("replication")["master_repl_offset"])
    return max(0, sent - int(replica.client().info("replication")["slave_repl_offset"]))


def _wait(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not _safely(done):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {TIMEOUT:.0f} s of the failover")
        time.sleep(0.05)


def _safely(done: Callable[[], bool]) -> bool:
    try:
        return done()
    except redis.RedisError:  # the system's own client, while there is no primary
        return False


def _server(node: Node, ha: SentinelSetup) -> RedisServer:
    """The primary as the RedisServer the rest of the bench knows (its pid, its port)."""
    return RedisServer(node.process, node.port, ha.folder, ha.password)
