"""The web process's live streams are served by its stream process (monitor/web/streamer.py):
a web worker answers the request and hands the connection over, so a stream outlives the
worker that took it, and a stream process that dies is started again by the gunicorn master
and serves the viewers that came meanwhile."""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import store
from tests.support import board as b
from tests.support.sse import SSEClient
from tests.support.wait import wait_until
from tests.support.webproc import Web, database, web_process

DB = 7


@pytest.fixture
def web(redis_url: str, tmp_path: Path) -> Iterator[Web]:
    with web_process(tmp_path, redis_url, DB, WEB_CONCURRENCY="2") as web:
        yield web


@pytest.fixture
def rdb(redis_url: str) -> Iterator[store.Redis]:
    with database(redis_url, DB) as client:
        yield client


def children(pid: int) -> dict[int, str]:
    """The processes `pid` started, by pid: their command lines."""
    found: dict[int, str] = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as listed:
            for child in map(int, listed.read().split()):
                with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                    found[child] = cmdline.read().replace(b"\0", b" ").decode()
    return found


def master(web: Web) -> int:
    assert web.proc.process is not None
    return web.proc.process.pid


def stream_process(web: Web) -> int:
    found = [pid for pid, cmd in children(master(web)).items() if "monitor.web.stream_main" in cmd]
    assert len(found) == 1, children(master(web))
    return found[0]


def connected(web: Web) -> SSEClient:
    client = SSEClient(web.port)
    assert client.response.status == 200
    assert client.ready.wait(20), "no first frame from the stream"
    return client


def event(r: store.Redis, update: str, body: str = "On it.") -> str:
    (entry_id,) = b.log(r, b.incident_event("gh", "GitHub", "i", update, "investigating", body))
    return entry_id


def ids_read(viewer: socket.socket, want: int, timeout: float = 30) -> list[str]:
    """The frame ids `viewer` reads until it has `want` of them (or `timeout`)."""
    parts, seen, tail, deadline = [], 0, b"\n", time.monotonic() + timeout
    viewer.settimeout(1)
    while seen < want and time.monotonic() < deadline:
        try:
            part = viewer.recv(1 << 20)
        except TimeoutError:
            continue
        parts.append(part)
        seen += (tail + part).count(b"\nid: ")  # a mark split across two reads counts once
        tail = part[-4:]
    data = b"".join(parts)
    return [m.decode() for m in re.findall(rb"^id: (\S+)$", data, re.MULTILINE)]


def test_a_stream_goes_on_after_every_web_worker_that_could_have_taken_it_is_killed(
    web: Web, rdb: store.Redis
) -> None:
    b.register(rdb, b.page("gh", "GitHub"))
    client = connected(web)
    try:
        streamer = stream_process(web)
        workers = [pid for pid in children(master(web)) if pid != streamer]
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        entry_id = event(rdb, "u1")
        assert client.next(timeout=10).id == entry_id
    finally:
        client.close()


def test_a_stream_process_that_dies_is_started_again_and_serves_who_came_meanwhile(
    web: Web, rdb: store.Redis
) -> None:
    b.register(rdb, b.page("gh", "GitHub"))
    killed = stream_process(web)
    os.kill(killed, signal.SIGKILL)
    client = connected(web)  # handed over while no stream process reads: it waits for the next
    try:
        assert stream_process(web) != killed
        entry_id = event(rdb, "u2")
        assert client.next(timeout=10).id == entry_id
        wait_until(
            lambda: "the stream process exited" in web.proc.log_tail(), "the warning", timeout=10
        )
    finally:
        client.close()


def test_the_stream_process_runs_web_stream_nice_below_the_web_workers_in_its_own_session(
    web: Web,
) -> None:
    streamer = stream_process(web)
    workers = [pid for pid in children(master(web)) if pid != streamer]
    assert os.getsid(streamer) == streamer  # its nice value lowers its own autogroup only
    wait_until(
        lambda: all(
            os.getpriority(os.PRIO_PROCESS, streamer) - os.getpriority(os.PRIO_PROCESS, w) == 10
            for w in workers
        ),
        "the stream process lowered by WEB_STREAM_NICE (10)",
    )


def test_a_viewer_that_stops_reading_holds_no_one_up_and_later_gets_every_frame_once_in_order(
    web: Web, rdb: store.Redis
) -> None:
    b.register(rdb, b.page("gh", "GitHub"))
    fast = connected(web)
    slow = socket.create_connection(("127.0.0.1", web.port))
    try:
        slow.sendall(b"GET /api/v1/stream HTTP/1.1\r\nHost: board\r\n\r\n")
        slow.settimeout(10)
        assert slow.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")
        body = "Still looking. " * 2000  # 30 KB a frame: 6 MB overfill the connection's buffers
        ids = [event(rdb, f"u{n}", body) for n in range(200)]
        assert [fast.next(timeout=10).id for _ in ids] == ids  # not held up by the slow one
        assert ids_read(slow, len(ids)) == ids  # every frame, once, in order
    finally:
        fast.close()
        slow.close()
