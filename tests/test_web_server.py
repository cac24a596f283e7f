"""The web process faces the internet: real gunicorn (`statusmon proc web`, one worker) against
slowloris-style clients on 127.0.0.1. Clients that trickle a request's head or body are cut
off after seconds, and meanwhile everyone else is answered at once; connections are capped;
X-Forwarded-For counts only from a trusted proxy."""

from __future__ import annotations

import http.client
import itertools
import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest

from monitor.cli import processes
from monitor.pages import ConfigError
from monitor.settings import WebSettings, load_settings
from tests.support.slow_clients import slow_clients, timed_get
from tests.support.web import capture, hmac_headers
from tests.support.webproc import PAGE, Web, web_process

HEAD_TIMEOUT, BODY_TIMEOUT, CAP, MAX_BYTES = 2, 2, 30, 4096
PACE = 0.5  # a slow client's piece every PACE s: it never finishes, and is seen cut within PACE


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Web]:
    env = {
        "WEB_HEADER_TIMEOUT": str(HEAD_TIMEOUT),
        "WEB_BODY_TIMEOUT": str(BODY_TIMEOUT),
        "WEB_WORKER_CONNECTIONS": str(CAP),
        "WEB_TRUSTED_PROXIES": "127.0.0.1",
        "WEBHOOK_RATE_LIMIT": "2/minute",
        "WEBHOOK_MAX_BYTES": str(MAX_BYTES),
    }
    with web_process(tmp_path_factory.mktemp("web"), redis_url, 5, **env) as web:
        yield web


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_a_health_check_is_answered_at_once_while_twenty_clients_trickle_their_headers(
    web: Web, stop: threading.Event
) -> None:
    trickling = slow_clients(web.port, 20, stop, pace=PACE)  # one sync worker: blocked for 30 s
    for _ in range(3):
        answer = timed_get(web.port, timeout=10)
        assert answer.status in (200, 503) and answer.seconds < 1.0, answer
    for client in trickling:
        client.join(HEAD_TIMEOUT + 5)
    cuts = [client.cut_after for client in trickling]
    assert all(c is not None and HEAD_TIMEOUT - 0.5 <= c <= HEAD_TIMEOUT + 1.5 for c in cuts), cuts
    assert all(client.answer == b"" for client in trickling)  # closed, never served


def test_a_client_that_trickles_its_body_is_answered_408_and_cut_off(
    web: Web, stop: threading.Event
) -> None:
    head = f"POST /webhook/{PAGE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += "Content-Length: 1000\r\n\r\n{"
    queued = len(web.queue)
    [client] = slow_clients(web.port, 1, stop, head=head.encode(), piece=b" ", pace=PACE)
    answer = timed_get(web.port, timeout=10)
    assert answer.seconds < 1.0, answer
    client.join(BODY_TIMEOUT + 5)
    assert client.answer.startswith(b"HTTP/1.1 408 "), client.answer
    assert client.cut_after is not None
    assert BODY_TIMEOUT - 0.5 <= client.cut_after <= BODY_TIMEOUT + 1.5
    assert len(web.queue) == queued


def post_signed(port: int, forwarded_for: str, chunked: bool = False) -> int:
    """A signed webhook of its own (a body no other post repeats: replays are refused)."""
    payload = json.loads(capture("incident"))
    payload["meta"] = {"sender": forwarded_for, "chunked": chunked}
    body = json.dumps(payload).encode()
    headers = {**hmac_headers(body), "X-Forwarded-For": forwarded_for}  # its own rate limit
    parts = iter([body[i : i + 1000] for i in range(0, len(body), 1000)])
    with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=10)) as conn:
        conn.request("POST", f"/webhook/{PAGE}", parts if chunked else body, headers)
        return conn.getresponse().status


def test_twenty_signed_webhooks_at_once_are_each_queued_by_the_gevent_worker(web: Web) -> None:
    # One worker process, monkey-patched by gevent: Flask-Limiter's and the app's Redis clients
    # and Celery's publish are shared by twenty greenlets at once.
    senders = [f"192.0.2.{i}" for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        assert list(pool.map(lambda ip: post_signed(web.port, ip), senders)) == [202] * 20
    messages = web.queue.messages()
    assert len({m["id"] for m in messages}) == len(messages) == 20
    assert {(m["task"], m["args"][0]) for m in messages} == {("statusmon.ingest", PAGE)}


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_a_body_over_the_limit_is_refused_413_and_not_queued(web: Web, chunked: bool) -> None:
    queued = len(web.queue)
    body = b"[" + b"0," * MAX_BYTES + b"0]"
    headers = {**hmac_headers(body), "X-Forwarded-For": f"198.18.0.{int(chunked)}"}
    with closing(http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)) as conn:
        parts = [body[i : i + 1000] for i in range(0, len(body), 1000)]
        conn.request("POST", f"/webhook/{PAGE}", iter(parts) if chunked else body, headers)
        response = conn.getresponse()
        assert response.status == 413, response.read()
    assert len(web.queue) == queued


def test_a_chunked_webhook_within_the_limit_is_queued_whole(web: Web) -> None:
    queued = len(web.queue)
    assert post_signed(web.port, "198.18.1.1", chunked=True) == 202  # the signature held
    assert len(web.queue) == queued + 1


def test_connections_past_the_cap_wait_until_the_head_timeout_frees_a_place(web: Web) -> None:
    idle = [socket.create_connection(("127.0.0.1", web.port)) for _ in range(CAP)]
    try:
        answer = timed_get(web.port, timeout=10)  # accepted only once an idle one is dropped
        assert HEAD_TIMEOUT - 0.5 <= answer.seconds <= HEAD_TIMEOUT + 2.0, answer
    finally:
        for sock in idle:
            sock.close()
    assert timed_get(web.port, timeout=10).seconds < 1.0


def post_from(web: Web, source: str, forwarded_for: str) -> int:
    """An unsigned POST from `source` (a loopback address) carrying X-Forwarded-For."""
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10, source_address=(source, 0))
    with closing(conn):
        headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}
        conn.request("POST", f"/webhook/{PAGE}", b"{}", headers)
        return conn.getresponse().status


def test_x_forwarded_for_names_the_client_only_when_a_trusted_proxy_sends_it(web: Web) -> None:
    # Rate limit 2/minute per client address. From the trusted proxy (127.0.0.1), each
    # forwarded address has its own count; from anyone else the header is ignored.
    assert [post_from(web, "127.0.0.1", "203.0.113.7") for _ in range(3)] == [401, 401, 429]
    assert post_from(web, "127.0.0.1", "203.0.113.8") == 401
    spoofed = [post_from(web, "127.0.0.9", f"198.51.100.{i}") for i in range(3)]
    assert spoofed == [401, 401, 429]


def test_the_web_argv_runs_gevent_workers_with_the_limits_set() -> None:
    env = {"REDIS_URL": "redis://127.0.0.1:1/0", "WEB_HEADER_TIMEOUT": "3"}
    argv = processes.command("web", {**env, "WEB_WORKER_CONNECTIONS": "500"})
    pairs = dict(itertools.pairwise(argv))
    assert pairs["--worker-class"] == "gevent"
    assert (pairs["--worker-connections"], pairs["--keep-alive"]) == ("500", "3")
    assert pairs["--config"] == "python:monitor.web.gunicorn_conf"  # the stream process's hooks
    assert argv[-1] == "monitor.web.server:app()"


def test_the_web_limits_default_to_seconds_and_a_thousand_connections() -> None:
    web = load_settings({"REDIS_URL": "redis://127.0.0.1:1/0"}).web
    assert web == WebSettings()
    assert (web.connections, web.header_timeout, web.body_timeout) == (1000, 5, 10.0)
    assert web.trusted_proxies == ()
    assert web.stream_nice == 10


def test_bad_web_limits_are_each_named() -> None:
    env = {
        "WEB_WORKER_CONNECTIONS": "0",
        "WEB_HEADER_TIMEOUT": "1.5",
        "WEB_BODY_TIMEOUT": "-1",
        "WEB_TRUSTED_PROXIES": "127.0.0.1, nginx, 10.0.0.0/33",
        "WEB_STREAM_NICE": "20",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert caught.value.problems == [
        "WEB_WORKER_CONNECTIONS: '0' must be a whole number from 1 to 100000",
        "WEB_HEADER_TIMEOUT: '1.5' must be a whole number from 1 to 3600",
        "WEB_BODY_TIMEOUT: '-1' must be a positive number",
        "WEB_TRUSTED_PROXIES: 'nginx' is not an address or network",
        "WEB_TRUSTED_PROXIES: '10.0.0.0/33' is not an address or network",
        "WEB_STREAM_NICE: '20' must be a whole number from 0 to 19",
    ]


def test_trusted_proxies_are_read_as_networks() -> None:
    web = load_settings({"WEB_TRUSTED_PROXIES": " 127.0.0.1 ,10.1.0.0/16,::1"}).web
    assert [str(n) for n in web.trusted_proxies] == ["127.0.0.1/32", "10.1.0.0/16", "::1/128"]
