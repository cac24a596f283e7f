"""A webhook body past WEBHOOK_MAX_BYTES, streamed with no Content-Length (chunked), through
real gunicorn: one byte over is a 413, never a body cut at the limit and verified as it is."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from monitor import store
from tests.support.gunicorn import Web
from tests.support.ingress_app import PAGES
from tests.support.web import Queue, capture, hmac_headers, write_pages

LIMIT = 1 << 20  # WEBHOOK_MAX_BYTES's default: the web process below is not told otherwise
DB = 5  # the web process's own database: its queue is counted, no worker consumes it


def chunks(body: bytes, size: int = 100_000) -> Iterator[bytes]:
    """An iterable body: http.client sends it chunked, without Content-Length."""
    return (body[i : i + size] for i in range(0, len(body), size))


def padded_to(size: int) -> bytes:
    """A real capture with a padding field: a valid webhook of exactly `size` bytes."""
    payload = json.loads(capture("incident"))
    payload["pad"] = ""
    short = json.dumps(payload).encode()
    payload["pad"] = "x" * (size - len(short))
    body = json.dumps(payload).encode()
    assert len(body) == size
    return body


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[tuple[Web, Queue]]:
    folder = tmp_path_factory.mktemp("web-body")
    url = f"{redis_url.rsplit('/', 1)[0]}/{DB}"
    queue = Queue(url)
    queue.clear()
    with Web(url, write_pages(folder, PAGES[:1]), folder) as server:
        yield server, queue
    queue.clear()
    queue.close()


@pytest.fixture
def server(web: tuple[Web, Queue], r: store.Redis) -> tuple[Web, Queue]:
    web[1].clear()
    return web


def test_a_chunked_body_at_the_limit_is_accepted(server: tuple[Web, Queue]) -> None:
    web, queue = server
    body = padded_to(LIMIT)
    status, answer = web.request("POST", "/webhook/signed", chunks(body), hmac_headers(body))
    assert status == 202, answer
    assert len(queue) == 1


def test_a_chunked_body_one_byte_over_the_limit_is_413(server: tuple[Web, Queue]) -> None:
    web, queue = server
    body = padded_to(LIMIT) + b" "
    status, answer = web.request("POST", "/webhook/signed", chunks(body), hmac_headers(body))
    assert (status, json.loads(answer)) == (413, {"error": f"body over {LIMIT} bytes"})
    assert len(queue) == 0


def test_a_chunked_body_signed_over_its_first_mebibyte_only_is_413_not_accepted(
    server: tuple[Web, Queue],
) -> None:
    web, queue = server
    signed = padded_to(LIMIT)
    body = signed + b"\n" + b"appended after the signed part " * 100
    status, _ = web.request("POST", "/webhook/signed", chunks(body), hmac_headers(signed))
    assert status == 413
    assert len(queue) == 0


def test_a_declared_length_over_the_limit_is_413(server: tuple[Web, Queue]) -> None:
    web, queue = server
    body = padded_to(LIMIT) + b" "
    status, _ = web.request("POST", "/webhook/signed", body, hmac_headers(body))
    assert status == 413
    assert len(queue) == 0
