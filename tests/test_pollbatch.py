"""monitor/pollbatch.py: a batch of pages polled with shared Redis round trips, against real
loopback servers and the suite's real Redis."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import pytest
import redis

from monitor import backoff, keys, store
from monitor.events import StatusEvent
from monitor.lease import Leases
from monitor.pages import PageConfig
from monitor.poll import Poller, PollResult
from monitor.pollbatch import poll_batch
from monitor.pollstore import Ending, PollStore
from monitor.registry import sync_pages
from monitor.session import new_session
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory
from tests.support.wait import wait_until

SUMMARY = "/api/v2/summary.json"


class CountingConnection(redis.Connection):
    """A real connection that counts what it sends: one packed send is one round trip."""

    sends = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        type(self).sends += 1
        super().send_packed_command(command, check_health)


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(8, "fetch") as executor:
        yield executor


def watched(r: store.Redis, pages: PageServer, names: list[str]) -> list[PageConfig]:
    configs = []
    for name in names:
        pages.set_json(f"/{name}{SUMMARY}", StatuspageStory().summary("operational"))
        configs.append(PageConfig(name, name.title(), f"{pages.url}/{name}", "statuspage"))
    sync_pages(r, configs, 0.0)
    return configs


def quiet(page_id: str) -> Any:
    return lambda events: None


def test_a_batch_of_304_polls_shares_its_begin_and_finish_round_trips(
    r: store.Redis, redis_url: str, pages: PageServer, pool: ThreadPoolExecutor
) -> None:
    batch = watched(r, pages, [f"p{i}" for i in range(10)])
    counting = redis.Redis(
        connection_pool=redis.ConnectionPool.from_url(
            redis_url, decode_responses=True, connection_class=CountingConnection
        )
    )
    poller = Poller(counting, new_session(), timeout=5)
    first = poll_batch(poller, batch, quiet, pool)  # first polls: full GETs, states saved
    assert {page_id: _outcome(o) for page_id, o in first.items()} == dict.fromkeys(
        (p.id for p in batch), "changed"
    )
    CountingConnection.sends = 0
    again = poll_batch(poller, batch, quiet, pool)
    assert {_outcome(o) for o in again.values()} == {"not_modified"}
    # one begin pipeline and at most a few finish waves, each with its SCRIPT EXISTS: not 20
    assert CountingConnection.sends <= 2 + 2 * 3, CountingConnection.sends
    assert all(r.hget(keys.METRICS_POLLS, f"{p.id}|not_modified") == "1" for p in batch)
    assert not any(r.exists(keys.lock(p.id)) for p in batch)  # every lock released
    counting.close()


def test_a_page_whose_poll_raises_fails_alone_its_lock_released_and_its_poll_not_counted(
    r: store.Redis, pages: PageServer, pool: ThreadPoolExecutor
) -> None:
    good, bad = watched(r, pages, ["good", "bad"])
    poller = Poller(r, new_session(), timeout=5)

    def emit_for(page_id: str) -> Any:
        def emit(events: list[StatusEvent]) -> None:
            if page_id == "bad":
                raise RuntimeError("a bug this page's data triggers")

        return emit

    out = poll_batch(poller, [good, bad], emit_for, pool)
    assert _outcome(out["good"]) == "changed"
    assert isinstance(out["bad"], RuntimeError)
    assert r.exists(keys.lock("bad")) == 0
    assert r.hget(keys.METRICS_POLLS, "bad|changed") is None
    assert r.hget(keys.METRICS_POLLS, "good|changed") == "1"


def test_a_page_of_a_backed_off_host_is_not_fetched_and_gets_a_retry_time(
    r: store.Redis, pages: PageServer, pool: ThreadPoolExecutor
) -> None:
    (page,) = watched(r, pages, ["claude"])
    backoff.record_failure(r, page.host, retry_after=30)
    out = poll_batch(Poller(r, new_session(), timeout=5), [page], quiet, pool)
    result = out["claude"]
    assert isinstance(result, PollResult) and result.outcome == "backed_off"
    assert result.retry_at is not None and result.retry_at > time.time() + 25
    assert pages.hits[f"/claude{SUMMARY}"] == 0


def test_a_fast_page_is_finished_while_a_slow_page_of_its_batch_still_waits(
    r: store.Redis, pages: PageServer, pool: ThreadPoolExecutor
) -> None:
    """Its lock is not held for the batch's slowest host: an ingest waiting on it goes on."""
    (fast,) = watched(r, pages, ["fast"])
    with silent_page("slow") as (slow, silent):
        sync_pages(r, [fast, slow], 0.0)
        poller = Poller(r, new_session(), timeout=5)
        out: dict[str, Any] = {}
        batch = threading.Thread(
            target=lambda: out.update(poll_batch(poller, [fast, slow], quiet, pool))
        )
        batch.start()
        conn, _ = silent.accept()  # the slow page's GET is in flight
        wait_until(lambda: r.exists(keys.lock("fast")) == 0, "the fast page's lock released")
        assert r.exists(keys.lock("slow")) == 1  # its poll goes on
        conn.close()  # the slow host drops the connection: a transient error
        batch.join(timeout=10)
    assert _outcome(out["fast"]) == "changed"
    assert _outcome(out["slow"]) == "error"
    assert r.exists(keys.lock("slow")) == 0


@contextmanager
def silent_page(page_id: str) -> Iterator[tuple[PageConfig, socket.socket]]:
    """A page on a loopback host that accepts connections and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        yield (
            PageConfig(page_id, "Slow", f"http://127.0.0.1:{port}/{page_id}", "statuspage"),
            silent,
        )


def _outcome(result: object) -> str:
    assert isinstance(result, PollResult), result
    return result.outcome


class FinishFails(PollStore):
    """Redis gone when the batch's first wave is finished (a failover): `finish_many` raises,
    and like the real one no longer renews the locks of the polls it was given."""

    def finish_many(self, ends: list[Ending]) -> list[bool]:
        for end in ends:
            self.leases.drop(end.token)
        raise redis.ConnectionError("Redis gone")


class RedisGoneAtFinish(Poller):
    @cached_property
    def scripts(self) -> PollStore:
        return FinishFails(self.redis, keys.lock_ttl(self.timeout), Leases(self.redis, 1.0, 0.05))


def test_a_batch_whose_finish_fails_renews_the_locks_of_none_of_its_polls(
    r: store.Redis, pages: PageServer, pool: ThreadPoolExecutor
) -> None:
    """The polls still out when it gave up are never finished: their pages are free again
    within the lease, not after the poll's bound (keys.lock_ttl)."""
    (fast,) = watched(r, pages, ["fast"])
    with silent_page("slow") as (slow, _silent):
        sync_pages(r, [fast, slow], 0.0)
        poller = RedisGoneAtFinish(r, new_session(), timeout=5)
        with pytest.raises(redis.ConnectionError):
            poll_batch(poller, [fast, slow], quiet, pool)
        assert poller.scripts.leases.holding() == 0
        assert 0 < r.pttl(keys.lock("slow")) <= 1000  # left to lapse: the poll goes on
        wait_until(lambda: r.exists(keys.lock("slow")) == 0, "the slow page's lock lapsed", 5)
        poller.scripts.leases.stop()
