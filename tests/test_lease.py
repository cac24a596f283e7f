"""Page locks that die with their holder (monitor.lease): a lock lives a short lease, renewed
by its holder's thread while the poll runs; a holder that stops renewing (killed: see
tests/test_page_lock_crash.py for a real worker killed mid-poll) frees its page within the
lease, and a live holder keeps its page past it. Real Redis; short leases."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from redis.backoff import NoBackoff
from redis.retry import Retry

from monitor import keys, store
from monitor.lease import Leases
from monitor.pollstore import Ending, PollStore
from tests.support.wait import wait_until

LEASE, EVERY = 0.4, 0.05
BOUND = 45.0  # keys.lock_ttl of a poll: the renewals' limit


@pytest.fixture
def stores(r: store.Redis) -> Iterator[Callable[[float], PollStore]]:
    """PollStores of their own leases (each a process's), bound `bound`; stopped at the end."""
    made: list[PollStore] = []

    def make(bound: float = BOUND) -> PollStore:
        made.append(PollStore(r, bound, Leases(r, LEASE, EVERY)))
        return made[-1]

    yield make
    for each in made:
        each.leases.stop()


def test_a_page_whose_lock_holder_stopped_renewing_is_taken_again_within_its_lease(
    r: store.Redis, stores: Callable[[float], PollStore]
) -> None:
    dead, other = stores(BOUND), stores(BOUND)
    assert dead.begin("p", "host", [], time.time()).outcome == "ok"
    assert other.begin("p", "host", [], time.time()).outcome == "busy"
    dead.leases.stop()  # killed mid-poll: nothing renews its lock any more
    taken = time.monotonic()
    wait_until(lambda: other.begin("p", "host", [], time.time()).outcome == "ok", "retaken", 5)
    assert time.monotonic() - taken < LEASE + 1


def test_a_live_holder_keeps_its_page_past_the_lease_until_it_finishes(
    r: store.Redis, stores: Callable[[float], PollStore]
) -> None:
    live, other = stores(BOUND), stores(BOUND)
    begun = live.begin("p", "host", [], time.time())
    assert begun.outcome == "ok"
    wait_until(lambda: live.leases.rounds >= 3 * LEASE / EVERY, "renewals", 10)
    assert other.begin("p", "host", [], time.time()).outcome == "busy"  # past its lease: held
    assert 0 < r.pttl(keys.lock("p")) <= LEASE * 1000
    assert live.finish(Ending("p", begun.token, "not_modified", (0, 0), 60, time.time()))
    assert other.begin("p", "host", [], time.time()).outcome == "ok"


def test_a_lock_is_renewed_no_longer_than_the_poll_it_guards(
    stores: Callable[[float], PollStore],
) -> None:
    """Past keys.lock_ttl a poll that hangs loses its page, as before (it finishes anyway)."""
    short, other = stores(LEASE + 0.2), stores(BOUND)
    assert short.begin("p", "host", [], time.time()).outcome == "ok"
    wait_until(lambda: other.begin("p", "host", [], time.time()).outcome == "ok", "lapsed", 5)


def test_a_lock_left_behind_by_a_finished_poll_lapses_within_the_lease(
    r: store.Redis, stores: Callable[[float], PollStore]
) -> None:
    """Its release lost (Redis gone before `finish`, a failover): its lock is not renewed."""
    ours = stores(BOUND)
    begun = ours.begin("p", "host", [], time.time())
    assert ours.finish(Ending("p", begun.token, "not_modified", (0, 0), 60, time.time()))
    r.set(keys.lock("p"), begun.token, px=int(LEASE * 1000))  # what the promoted replica kept
    wait_until(lambda: ours.leases.rounds >= 2 * LEASE / EVERY, "rounds", 5)
    assert not r.exists(keys.lock("p"))


def test_an_outage_of_redis_is_logged_once_not_at_every_renewal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gone = store.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))  # nothing listens
    leases = Leases(gone, LEASE, EVERY)
    leases.hold(keys.lock("p"), "token", BOUND)
    try:
        with caplog.at_level("WARNING", logger="statusmon.poll"):
            wait_until(lambda: leases.rounds >= 5, "renewal rounds", 10)
    finally:
        leases.stop()
    assert [r.getMessage() for r in caplog.records] == ["page locks not renewed: ConnectionError"]
