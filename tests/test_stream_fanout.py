"""monitor.web.stream's Fanout on a real Redis, its clients driven from threads: clients that
are up to date send one shared bytes object per batch, and events that arrive while the reader
waits out its window go out together in the next write (the first after a quiet spell at once)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from monitor import store
from monitor.events import StatusEvent
from monitor.web.stream import Fanout
from tests.support import board as b
from tests.support.wait import wait_until

DB = 9  # its own database: no worker of the suite's appends to this event log
WAIT = 10.0


@pytest.fixture
def db_url(redis_url: str) -> Iterator[str]:
    url = redis_url.rsplit("/", 1)[0] + f"/{DB}"
    client = store.connect(url)
    found = list(client.scan_iter("statusmon:*"))
    if found:
        client.delete(*found)
    client.close()
    yield url


@pytest.fixture
def rdb(db_url: str) -> Iterator[store.Redis]:
    client = store.connect(db_url)
    yield client
    client.close()


@pytest.fixture
def fanouts(db_url: str) -> Iterator[Callable[[float], Fanout]]:
    """Fanout(window) on a client of its own (its XREAD blocks), each stopped at the end."""
    made: list[Fanout] = []

    def make(window: float) -> Fanout:
        made.append(Fanout(store.connect(db_url, socket_timeout=15), window))
        return made[-1]

    yield make
    for fanout in made:
        fanout.stopping = True  # its reader ends after its current read (at most BLOCK_MS)


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


def write(pool: ThreadPoolExecutor, client: Iterator[bytes]) -> bytes:
    """The client's next write, or the test fails after WAIT seconds."""
    return pool.submit(next, client).result(timeout=WAIT)


def event(n: int) -> StatusEvent:
    return b.incident_event("gh", "GitHub", "i", f"u{n}", "investigating", f"update {n}")


def test_clients_that_are_up_to_date_send_one_shared_bytes_object_for_a_new_event(
    fanouts: Callable[[float], Fanout], rdb: store.Redis, pool: ThreadPoolExecutor
) -> None:
    fanout = fanouts(0.1)
    clients = [fanout.stream(None) for _ in range(3)]
    for client in clients:
        assert write(pool, client) == b"retry: 2000\n\n"
    (entry_id,) = b.log(rdb, event(1))
    writes = [write(pool, client) for client in clients]
    assert writes[0].startswith(f"id: {entry_id}\nevent: change\ndata: ".encode())
    assert writes[1] is writes[0] and writes[2] is writes[0]  # encoded once, for all of them


def test_events_logged_while_the_reader_waits_out_its_window_go_out_in_one_write(
    fanouts: Callable[[float], Fanout], rdb: store.Redis, pool: ThreadPoolExecutor
) -> None:
    fanout = fanouts(3.0)
    client = fanout.stream(None)
    write(pool, client)  # retry:
    logged = time.monotonic()
    (first,) = b.log(rdb, event(1))
    assert f"id: {first}\n".encode() in write(pool, client)
    assert time.monotonic() - logged < 2.0  # the first after a quiet spell is not held back
    second, third = b.log(rdb, event(2)) + b.log(rdb, event(3))  # two reads' worth, apart
    together = write(pool, client)
    assert together.count(b"\nevent: change\n") == 2
    assert together.index(f"id: {second}\n".encode()) < together.index(f"id: {third}\n".encode())


def test_a_client_that_missed_two_batches_gets_both_in_one_write_and_nothing_twice(
    fanouts: Callable[[float], Fanout], rdb: store.Redis, pool: ThreadPoolExecutor
) -> None:
    fanout = fanouts(0.05)
    client = fanout.stream(None)
    write(pool, client)
    (first,) = b.log(rdb, event(1))
    assert f"id: {first}\n".encode() in write(pool, client)
    (second,) = b.log(rdb, event(2))
    assert wait_until(lambda: fanout.batch and fanout.batch.last == second, "second batch")
    (third,) = b.log(rdb, event(3))
    assert wait_until(lambda: fanout.batch and fanout.batch.last == third, "third batch")
    got = write(pool, client)  # not the newest batch alone: it starts after `second`
    assert got.count(b"\nevent: change\n") == 2
    assert got.index(f"id: {second}\n".encode()) < got.index(f"id: {third}\n".encode())
    assert first.encode() not in got
