"""One POST within a total deadline, and how each answer is classified, on a loopback server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import formatdate

import pytest

from monitor.channels.http import post_json
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
