"""GET /api/v1/stream on the real web process (gunicorn, gevent workers): every printed event
reaches every connected client within a second, resumes with Last-Event-ID, skips nothing."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

import pytest

from monitor import store
from tests.support import board as b
from tests.support.sse import SSEClient
from tests.support.webproc import Web, database, web_process

DB = 7


@pytest.fixture(scope="module")
def web(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with web_process(tmp_path_factory.mktemp("web"), redis_url, DB, WEB_CONCURRENCY="2") as web:
        yield web


@pytest.fixture
def rdb(redis_url: str) -> Iterator[store.Redis]:
    with database(redis_url, DB) as client:
        yield client


def connected(web: Web, **headers: str) -> SSEClient:
    client = SSEClient(web.port, **headers)
    assert client.response.status == 200
    assert client.response.getheader("Content-Type", "").startswith("text/event-stream")
    assert client.ready.wait(20), "no first frame from the stream"
    return client


def test_a_printed_event_reaches_every_open_stream_within_a_second(
    web: Web, rdb: store.Redis
) -> None:
    clients = [connected(web) for _ in range(6)]  # over both worker processes
    try:
        b.register(rdb, b.page("gh", "GitHub"))
        sent = time.monotonic()
        (entry_id,) = b.log(
            rdb, b.incident_event("gh", "GitHub", "i", "u1", "investigating", "Looking.")
        )
        for client in clients:
            frame = client.next(timeout=10)
            assert (frame.id, frame.event) == (entry_id, "change")
            assert frame.json()["status_text"] == "Investigating - Looking."
            assert frame.at - sent < 1.0
    finally:
        for client in clients:
            client.close()


def test_a_client_resuming_with_last_event_id_gets_what_it_missed_once(
    web: Web, rdb: store.Redis
) -> None:
    b.register(rdb, b.page("gh", "GitHub"))
    first, *missed = b.log(
        rdb,
        *(
            b.incident_event("gh", "GitHub", "i", f"u{n}", "investigating", str(n))
            for n in range(3)
        ),
    )
    client = connected(web, **{"Last-Event-ID": first})
    try:
        assert [client.next().id for _ in missed] == missed
        (later,) = b.log(rdb, b.incident_event("gh", "GitHub", "i", "u9", "monitoring", "9"))
        assert client.next().id == later
        with pytest.raises(queue.Empty):
            client.next(timeout=0.5)  # nothing twice
    finally:
        client.close()


def test_a_bad_last_event_id_is_ignored_and_the_stream_follows_from_now(
    web: Web, rdb: store.Redis
) -> None:
    client = connected(web, **{"Last-Event-ID": "not-an-id"})
    try:
        (entry_id,) = b.log(rdb, b.incident_event("gh", "GitHub", "i", "u1", "investigating", "x"))
        assert client.next().id == entry_id
    finally:
        client.close()
