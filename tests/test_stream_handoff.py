"""The hand-over of a live stream, on real sockets: a web worker hands a 200 event-stream
answer (its head, the client's connection, its Last-Event-ID) to the stream process's inbox
and serves anything else, or any stream it cannot hand over, itself; the stream process
closes a connection handed over too long ago or with a note it cannot read, and answers 503
past its limit of viewers."""

from __future__ import annotations

import json
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from monitor import store
from monitor.web.handoff import Handoff
from monitor.web.stream import Fanout
from monitor.web.streamer import MAX_AGE, Streamer

EVENT_STREAM = [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache")]


def app(status: str, headers: list[tuple[str, str]]) -> Any:
    def answer(req: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response(status, headers)
        return iter([b"retry: 2000\n\n"])

    return answer


@pytest.fixture
def opened() -> Iterator[list[socket.socket]]:
    """Every socket a test makes, closed after it."""
    made: list[socket.socket] = []
    yield made
    for each in made:
        each.close()


@pytest.fixture
def client(opened: list[socket.socket]) -> tuple[socket.socket, socket.socket]:
    """(the worker's end of a viewer's connection, the viewer's end)."""
    ours, theirs = socket.socketpair()
    opened += [ours, theirs]
    return ours, theirs


@pytest.fixture
def inbox(opened: list[socket.socket]) -> tuple[socket.socket, socket.socket]:
    """(the workers' end of the stream process's inbox, the stream process's end)."""
    workers_end, process_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    opened += [workers_end, process_end]
    return workers_end, process_end


def request(connection: socket.socket, path: str = "/api/v1/stream") -> dict[str, Any]:
    return {"PATH_INFO": path, "gunicorn.socket": connection, "HTTP_LAST_EVENT_ID": "5-0"}


def test_a_stream_is_handed_over_with_its_head_and_the_client_connection(
    client: tuple[socket.socket, socket.socket], inbox: tuple[socket.socket, socket.socket]
) -> None:
    workers_end, process_end = inbox
    handoff = Handoff(app("200 OK", [*EVENT_STREAM, ("Content-Length", "9")]), workers_end)
    with pytest.raises(StopIteration):  # gunicorn's way to let go of the connection
        handoff(request(client[0]), lambda *a: None)
    raw, fds, _, _ = socket.recv_fds(process_end, 65536, 1)
    note = json.loads(raw)
    assert note["head"].startswith("HTTP/1.1 200 OK\r\n")
    assert "Cache-Control: no-cache\r\n" in note["head"]
    assert "Content-Length" not in note["head"]
    assert note["head"].endswith("Connection: close\r\n\r\n")
    assert note["last"] == "5-0" and abs(note["at"] - time.time()) < 5
    with socket.socket(fileno=fds[0]) as handed:
        handed.sendall(b"from the stream process")
    assert client[1].recv(100) == b"from the stream process"


@pytest.mark.parametrize(
    ("path", "status", "headers"),
    [
        ("/api/v1/stream", "401 UNAUTHORIZED", [("Content-Type", "application/json")]),
        ("/api/v1/stream", "200 OK", [("Content-Type", "application/json")]),
        ("/api/v1/pages", "200 OK", EVENT_STREAM),
    ],
)
def test_anything_but_a_stream_answer_is_served_by_the_worker(
    client: tuple[socket.socket, socket.socket],
    inbox: tuple[socket.socket, socket.socket],
    path: str,
    status: str,
    headers: list[Any],
) -> None:
    workers_end, process_end = inbox
    started: list[str] = []
    body = Handoff(app(status, headers), workers_end)(
        request(client[0], path), lambda s, h: started.append(s)
    )
    assert started == [status] and list(body) == [b"retry: 2000\n\n"]
    process_end.setblocking(False)
    with pytest.raises(BlockingIOError):  # nothing was handed over
        process_end.recv(100)


def test_a_stream_the_stream_process_cannot_take_is_served_by_the_worker(
    client: tuple[socket.socket, socket.socket],
    inbox: tuple[socket.socket, socket.socket],
    caplog: pytest.LogCaptureFixture,
) -> None:
    workers_end, process_end = inbox
    process_end.close()  # gone
    started: list[str] = []
    body = Handoff(app("200 OK", EVENT_STREAM), workers_end)(
        request(client[0]), lambda s, h: started.append(s)
    )
    assert started == ["200 OK"] and list(body) == [b"retry: 2000\n\n"]
    assert "the stream process is not taking streams" in caplog.text


def handed(streamer: Streamer, note: bytes, client: socket.socket) -> None:
    """`client` handed over with `note`, and served by `streamer` (the connection closed)."""
    workers_end, process_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with workers_end, process_end:
        socket.send_fds(workers_end, [note], [client.fileno()])
        raw, fds, _, _ = socket.recv_fds(process_end, 65536, 1)
    streamer.serve(fds[0], raw)


def note(at: float) -> bytes:
    return json.dumps({"head": "HTTP/1.1 200 OK\r\n\r\n", "last": None, "at": at}).encode()


def everything(viewer: socket.socket) -> bytes:
    viewer.settimeout(5)
    parts = []
    while part := viewer.recv(4096):
        parts.append(part)
    return b"".join(parts)


def test_a_connection_handed_over_too_long_ago_is_closed_unanswered(
    r: store.Redis, client: tuple[socket.socket, socket.socket]
) -> None:
    ours, viewer = client
    handed(Streamer(Fanout(r), limit=10), note(time.time() - MAX_AGE - 1), ours)
    ours.close()
    assert everything(viewer) == b""


def test_a_note_the_stream_process_cannot_read_closes_the_connection_with_a_warning(
    r: store.Redis, client: tuple[socket.socket, socket.socket], caplog: pytest.LogCaptureFixture
) -> None:
    ours, viewer = client
    handed(Streamer(Fanout(r), limit=10), b"{not json", ours)
    ours.close()
    assert everything(viewer) == b""
    assert "without a usable note" in caplog.text


def test_past_its_limit_of_viewers_the_next_is_answered_503(
    r: store.Redis, client: tuple[socket.socket, socket.socket]
) -> None:
    ours, viewer = client
    handed(Streamer(Fanout(r), limit=0), note(time.time()), ours)
    ours.close()
    answer = everything(viewer)
    assert answer.startswith(b"HTTP/1.1 503 ")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert json.loads(body) == {"error": "too many live streams; try again later"}
    assert f"Content-Length: {len(body)}".encode() in head


def test_a_stream_on_a_connection_the_worker_holds_tls_for_is_served_by_the_worker(
    client: tuple[socket.socket, socket.socket], inbox: tuple[socket.socket, socket.socket]
) -> None:
    workers_end, process_end = inbox
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)  # as gunicorn with a certfile
    with context.wrap_socket(client[0], server_side=True, do_handshake_on_connect=False) as tls:
        started: list[str] = []
        body = Handoff(app("200 OK", EVENT_STREAM), workers_end)(
            request(tls), lambda s, h: started.append(s)
        )
        assert started == ["200 OK"] and list(body) == [b"retry: 2000\n\n"]
    process_end.setblocking(False)
    with pytest.raises(BlockingIOError):  # nothing was handed over
        process_end.recv(100)
