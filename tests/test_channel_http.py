"""One POST within a total deadline, how each answer is classified, and the kept-alive
connections it reuses (monitor.channels.pool), on loopback servers."""

from __future__ import annotations

import itertools
import socketserver
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate

import pytest
from urllib3.util import parse_url

from monitor.channels.http import post_json
from monitor.channels.pool import POOL, Key
from monitor.cli.redis_server import free_port
from tests.support import receivers
from tests.support.receivers import Receiver, Reply


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_deadline(hooks: Receiver) -> None:
    url = hooks.on("/slow", receivers.accept, Reply(mode="trickle"))
    start = time.monotonic()
    answer, _ = post_json(url, {"a": 1}, deadline=2)
    took = time.monotonic() - start
    assert not answer.ok and answer.retryable
    assert answer.detail == "no answer within 2 s"
    assert 1.9 <= took < 4


def test_a_receiver_that_never_answers_is_given_up_at_the_deadline(hooks: Receiver) -> None:
    url = hooks.on("/hang", receivers.accept, Reply(mode="hang"))
    start = time.monotonic()
    answer, _ = post_json(url, {"a": 1}, deadline=1.5)
    assert not answer.ok and answer.retryable and "no answer" in answer.detail
    assert time.monotonic() - start < 3.5


@pytest.mark.parametrize("code", [500, 502, 503, 408])
def test_a_server_error_or_a_timeout_answer_is_retryable(hooks: Receiver, code: int) -> None:
    url = hooks.on("/x", receivers.accept, Reply(code))
    answer, _ = post_json(url, {}, 5)
    assert (answer.ok, answer.retryable, answer.status) == (False, True, code)


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 413])
def test_a_client_error_is_permanent(hooks: Receiver, code: int) -> None:
    url = hooks.on("/x", receivers.accept, Reply(code))
    answer, _ = post_json(url, {}, 5)
    assert (answer.ok, answer.retryable, answer.status) == (False, False, code)


def test_a_429_is_retryable_after_the_seconds_it_asks_for(hooks: Receiver) -> None:
    url = hooks.on("/x", receivers.accept, Reply(429, {"Retry-After": "17"}))
    answer, _ = post_json(url, {}, 5)
    assert answer.retryable and answer.retry_after == 17


def test_a_retry_after_given_as_an_http_date_is_read_as_seconds_from_now(hooks: Receiver) -> None:
    later = formatdate(time.time() + 120, usegmt=True)
    url = hooks.on("/x", receivers.accept, Reply(503, {"Retry-After": later}))
    answer, _ = post_json(url, {}, 5)
    assert answer.retry_after is not None and 110 < answer.retry_after <= 120


def test_a_refused_connection_is_retryable() -> None:
    answer, _ = post_json(f"http://127.0.0.1:{free_port()}/x", {}, 2)
    assert not answer.ok and answer.retryable and answer.detail.startswith("connection failed")


def test_the_answer_body_is_returned_and_named_in_a_failure(hooks: Receiver) -> None:
    url = hooks.on("/x", lambda body, headers: (400, "invalid_blocks"))
    answer, text = post_json(url, {}, 5)
    assert text == "invalid_blocks" and answer.detail == "HTTP 400: invalid_blocks"


def test_posts_to_one_receiver_share_one_kept_alive_connection(hooks: Receiver) -> None:
    url = hooks.on("/x", receivers.accept)
    for n in range(3):
        assert post_json(url, {"n": n}, 5)[0].ok
    ports = {got.port for got in hooks.at("/x")}
    assert len(hooks.at("/x")) == 3 and len(ports) == 1


def test_a_connection_the_receiver_asked_to_close_is_not_used_again(hooks: Receiver) -> None:
    url = hooks.on("/x", receivers.accept, Reply(200, {"Connection": "close"}))
    assert post_json(url, {}, 5)[0].ok
    assert post_json(url, {}, 5)[0].ok
    first, second = hooks.at("/x")
    assert first.port != second.port
    assert POOL.count(key(url)) == 1  # the second one's, kept


def test_a_connection_the_deadline_cut_is_closed_not_kept(hooks: Receiver) -> None:
    url = hooks.on("/slow", receivers.accept, Reply(mode="trickle"))
    assert not post_json(url, {}, deadline=1)[0].ok
    assert POOL.count(key(url)) == 0
    assert post_json(url, {}, 5)[0].ok  # the next attempt opens a new connection
    assert len({got.port for got in hooks.at("/slow")}) == 2


class Dropping:
    """A raw HTTP/1.1 receiver that answers requests on a kept-alive connection and then, as
    told, closes the connection just after its first answer (`after_answer`), or reads the next
    request and closes it unanswered (as a receiver whose idle timeout ran out as it came)."""

    def __init__(self, mode: str) -> None:
        self.mode, self.requests, self.connections = mode, 0, 0
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/x"

    def _handler(self) -> type[socketserver.StreamRequestHandler]:
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                outer.connections += 1
                for n in itertools.count():
                    length = 0
                    while (line := self.rfile.readline()) not in (b"\r\n", b""):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    if not line:
                        return
                    self.rfile.read(length)
                    outer.requests += 1
                    if n == 1 and outer.mode == "drop_next":
                        return  # read, never answered: the connection closes
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    if outer.mode == "after_answer":
                        return

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("mode", ["after_answer", "drop_next"])
def test_a_kept_connection_the_receiver_closed_is_replaced_and_the_post_still_delivered(
    mode: str,
) -> None:
    server = Dropping(mode)
    try:
        assert post_json(server.url, {"n": 1}, 5)[0].ok
        answer, text = post_json(server.url, {"n": 2}, 5)
        assert answer.ok and text == "ok"
        assert server.connections == 2
        assert server.requests == (2 if mode == "after_answer" else 3)  # drop_next: sent again
    finally:
        server.close()


def key(url: str) -> Key:
    parts = parse_url(url)
    return (parts.scheme or "", parts.host or "", parts.port)
