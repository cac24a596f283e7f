"""The board benchmark's load generators (bench/board.py, bench/board_webhooks.py): SSE clients
on /api/v1/stream (an asyncio loop timing each frame, in the caller's process, or a selector
loop counting them, in a process of its own) and `GET /` sampled from a process of its own.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import selectors
import socket
import time
from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import requests

from monitor import store
from monitor.eventlog import Recorder
from monitor.events import StatusEvent, dedup_key

T = TypeVar("T")


def event(n: int) -> StatusEvent:
    return StatusEvent(
        page_id="p1", page_name="Vendor 1", provider="statuspage", kind="incident",
        product="Vendor 1 - API", status="investigating", status_raw="investigating",
        occurred_at=__import__("datetime").datetime.now(ZoneInfo("UTC")),
        dedup_key=dedup_key("p1", "incident", "bench", str(n)), body=f"bench {n}",
        incident_id="bench", update_id=str(n),
    )  # fmt: skip


async def client(
    port: int, got: dict[str, float], ready: asyncio.Event, stop: asyncio.Event
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /api/v1/stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
    await writer.drain()
    while not stop.is_set():
        try:
            line = await asyncio.wait_for(reader.readline(), 1.0)
        except TimeoutError:
            continue
        if not line:
            break
        if line.startswith(b"retry:"):
            ready.set()
        elif line.startswith(b"id:"):
            got.setdefault(line[3:].strip().decode(), time.time())
    writer.close()


async def fan_out(
    port: int, clients: int, r: store.Redis, events: int, rate: float
) -> dict[str, Any]:
    stop = asyncio.Event()
    got: list[dict[str, float]] = [{} for _ in range(clients)]
    readies = [asyncio.Event() for _ in range(clients)]
    tasks = [asyncio.create_task(client(port, got[i], readies[i], stop)) for i in range(clients)]
    connected_by = time.monotonic() + 120
    for ready in readies:
        await asyncio.wait_for(ready.wait(), max(1.0, connected_by - time.monotonic()))
    recorder = Recorder(ZoneInfo("UTC"), 90)
    sent: dict[str, float] = {}
    for n in range(events):
        at = time.time()
        entry = await asyncio.to_thread(recorder.mark, r, event(n), 3600)
        assert entry is not None
        sent[entry] = at
        await asyncio.sleep(1 / rate)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(len(g) < events for g in got):
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    lags = [g[i] - at for g in got for i, at in sent.items() if i in g]
    missing = sum(1 for g in got for i in sent if i not in g)
    return {"clients": clients, "events": events, "lags": lags, "missing": missing}


def board_gets(port: int, count: int, stop: Any, out: Any) -> None:
    """`GET /` `count` times, one every 50 ms, until `stop`; the answer times go to `out`.
    Run in a process of its own: beside the 500 asyncio clients, the GIL of this one would
    be measured too (each of the answer's reads gives it up and waits to get it back)."""
    session = requests.Session()
    took: list[float] = []
    for _ in range(count):
        started = time.monotonic()
        response = session.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert response.status_code == 200
        took.append(time.monotonic() - started)
        if stop.wait(0.05):
            break
    out.put(took)


def sampled(port: int, count: int, during: Callable[[], T] | None) -> tuple[list[float], T | None]:
    """`board_gets` in its own process while `during()` runs (None: all `count` of them):
    (answer times, its result)."""
    spawn = multiprocessing.get_context("spawn")
    stop, out = spawn.Event(), spawn.Queue()
    getter = spawn.Process(target=board_gets, args=(port, count, stop, out))
    getter.start()
    try:
        result = during() if during else None
    finally:
        if during:
            stop.set()
    took: list[float] = out.get(timeout=120)
    getter.join(30)
    return took, result


def sse_clients(port: int, count: int, ready: Any, stop: Any, want: Any, out: Any) -> None:
    """`count` SSE clients connected until `stop` (in a process of its own: `viewers`);
    `ready` once all are; then each reads on until it has `want` frames (at most 30 s more:
    the last events' frames may still be on their way); the frames each got go to `out`.

    One selector loop over plain non-blocking sockets, counting the frames (`id:` lines) in
    each block read: it stands for browsers on other machines, so it should cost this one as
    little as it can (an asyncio task per client, with a timer around each read, took 6-13 %
    of a core at 50 events/s, more than the stream process serving them)."""
    request = b"GET /api/v1/stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n"
    selector = selectors.DefaultSelector()
    got, tails, seen_retry = [0] * count, [b""] * count, [False] * count
    for i in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=30)
        client.sendall(request)
        client.setblocking(False)
        selector.register(client, selectors.EVENT_READ, i)

    def pump(timeout: float) -> None:
        for key, _ in selector.select(timeout):
            i, client = key.data, key.fileobj
            try:
                block = client.recv(65536)  # type: ignore[union-attr]
            except BlockingIOError:
                continue
            if not block:
                selector.unregister(client)
                continue
            seen = tails[i] + block
            seen_retry[i] = seen_retry[i] or b"retry:" in seen
            got[i] += seen.count(b"\nid: ") - tails[i].count(b"\nid: ")
            tails[i] = seen[-8:]

    deadline = time.monotonic() + 120
    while not all(seen_retry) and time.monotonic() < deadline:
        pump(0.2)
    if all(seen_retry):
        ready.set()
    while not stop.is_set():
        pump(0.2)
    deadline = time.monotonic() + 30
    while any(g < want.value for g in got) and time.monotonic() < deadline:
        pump(0.05)
    for key in list(selector.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    out.put(got)


def viewers(
    port: int, count: int, during: Callable[[int], T], wanted: Callable[[T], int] = lambda _: 0
) -> tuple[T, list[int]]:
    """`during(pid)` while `count` SSE clients (a process of their own, `pid`) are connected
    to the board's stream: (its result, the frames each client got, once each has
    `wanted(result)` or 30 s have passed); no client: `during(0)`."""
    if not count:
        return during(0), []
    spawn = multiprocessing.get_context("spawn")
    ready, stop, out = spawn.Event(), spawn.Event(), spawn.Queue()
    want = spawn.Value("i", 0)
    holder = spawn.Process(target=sse_clients, args=(port, count, ready, stop, want, out))
    holder.start()
    try:
        if not ready.wait(180):
            raise SystemExit(f"{count} SSE clients did not connect within 180 s")
        assert holder.pid is not None
        result = during(holder.pid)
        want.value = wanted(result)
    finally:
        stop.set()
    frames: list[int] = out.get(timeout=120)
    holder.join(30)
    return result, frames
