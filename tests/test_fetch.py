"""A fetch against a hostile server on 127.0.0.1: bodies too big, gzip bombs, answers trickled
a byte at a time, servers that never answer. Every request is bounded in size and in time, and
fails with one line a person reads."""

from __future__ import annotations

import socket
import time
import tracemalloc
from collections.abc import Iterator

import pytest
import requests
from urllib3.connection import HTTPSConnection
from urllib3.exceptions import MaxRetryError, NameResolutionError

from monitor.cli.redis_server import free_port
from monitor.errors import FetchError
from monitor.failures import describe
from monitor.pages import ConfigError
from monitor.request import get
from monitor.session import MAX_BODY, Session, new_session
from monitor.settings import load_settings
from monitor.simulate.server import SimServer
from tests.support import hostile
from tests.support.hostile import HostileServer

MIB = 1 << 20


@pytest.fixture
def server() -> Iterator[HostileServer]:
    s = HostileServer()
    yield s
    s.close()


def refusal(server: HostileServer, path: str, timeout: float = 5, **limits: object) -> FetchError:
    with pytest.raises(FetchError) as caught:
        get(new_session(**limits), server.url + path, timeout, {})  # type: ignore[arg-type]
    return caught.value


def test_a_body_declared_over_the_limit_is_refused_without_reading_it(
    server: HostileServer,
) -> None:
    server.on("/big", hostile.endless(200 * MIB))
    error = refusal(server, "/big")
    assert str(error) == (
        f"response from {server.host} declares {200 * MIB} bytes: "
        f"over the {MAX_BODY}-byte limit (MONITOR_MAX_BODY)"
    )
    assert not error.transient  # as big at the next poll: no early retry
    assert server.sent["/big"] < 100 * MIB


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_a_body_past_the_limit_stops_being_read_there(server: HostileServer, framing: str) -> None:
    server.on("/big", hostile.endless(200 * MIB, framing))
    error = refusal(server, "/big", max_body=MIB)
    assert str(error) == (
        f"response from {server.host} ran past {MIB} bytes: "
        f"over the {MIB}-byte limit (MONITOR_MAX_BODY)"
    )
    assert server.sent["/big"] < 100 * MIB


def test_a_gzip_bomb_is_refused_on_its_decoded_size_without_inflating_it(
    server: HostileServer,
) -> None:
    server.on("/bomb", hostile.gzip_bomb(100 * MIB))
    assert len(hostile.gzip_of_zeros(100 * MIB)) < 200_000  # far under the limit, on the wire
    tracemalloc.start()
    try:
        error = refusal(server, "/bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"ran past {MAX_BODY} bytes" in str(error) and not error.transient
    assert peak < 2 * MAX_BODY  # read and decoded a chunk at a time, never 100 MiB at once


def test_a_body_of_exactly_the_limit_is_read_whole(server: HostileServer) -> None:
    server.on("/edge", hostile.body(b"x" * 1000))
    server.on("/chunked", hostile.endless(1000, "chunked"))
    server.on("/gz", hostile.gzip_bomb(MIB))
    assert get(new_session(max_body=1000), server.url + "/edge", 5, {}).body == b"x" * 1000
    assert get(new_session(max_body=1000), server.url + "/chunked", 5, {}).body == b" " * 1000
    assert get(new_session(max_body=MIB), server.url + "/gz", 5, {}).body == bytes(MIB)
    assert "declares 1000 bytes" in str(refusal(server, "/edge", max_body=999))
    assert "ran past 999 bytes" in str(refusal(server, "/chunked", max_body=999))


def test_a_body_trickled_a_byte_at_a_time_fails_at_the_whole_request_deadline(
    server: HostileServer,
) -> None:
    server.on("/slow", hostile.trickle(b'{"page": {}}' * 4, every=0.2))  # ~10 s in all
    started = time.monotonic()
    error = refusal(server, "/slow", timeout=1)
    assert (str(error), error.transient) == ("took longer than 1s", True)
    assert time.monotonic() - started < 2.5


def test_headers_trickled_a_byte_at_a_time_fail_at_the_whole_request_deadline(
    server: HostileServer,
) -> None:
    server.on("/slow", hostile.trickle_headers(every=0.2))
    started = time.monotonic()
    error = refusal(server, "/slow", timeout=1)
    assert (str(error), error.transient) == ("took longer than 1s", True)
    assert time.monotonic() - started < 2.5


def test_a_server_that_never_answers_times_out_in_one_line(server: HostileServer) -> None:
    server.on("/quiet", hostile.silent)
    error = refusal(server, "/quiet", timeout=1)
    assert str(error) in ("took longer than 1s", "timed out after 1s") and error.transient


def test_the_connection_is_kept_alive_after_a_bounded_read(sim: SimServer) -> None:
    """Reading a body a chunk at a time still ends it cleanly: the next GET (a 304) goes on
    the same connection, so a poll stays cheap."""
    session = new_session()
    url = sim.url(0) + "/api/v2/summary.json"
    first = get(session, url, 5, {})
    assert get(session, url, 5, {"If-None-Match": first.headers["ETag"]}).status == 304
    manager = session.get_adapter(url).poolmanager
    assert [manager.pools[key].num_connections for key in list(manager.pools.keys())] == [1]


def test_a_refused_connection_names_the_address_in_one_line() -> None:
    port = free_port()
    with pytest.raises(FetchError) as caught:
        get(new_session(), f"http://127.0.0.1:{port}/api/v2/summary.json?x=1", 5, {})
    assert (str(caught.value), caught.value.transient) == (
        f"connection refused by 127.0.0.1:{port}",
        True,
    )


def test_an_unresolvable_host_is_named_in_one_line() -> None:
    """The exception as requests raises it (resolving a real name would leave 127.0.0.1)."""
    cause = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    failed = NameResolutionError("status.openai.com", HTTPSConnection("status.openai.com"), cause)
    exc = requests.ConnectionError(MaxRetryError(None, "/proxy/status.openai.com", failed))  # type: ignore[arg-type]
    assert describe(exc, "https://status.openai.com/proxy/status.openai.com", 10) == (
        "cannot resolve status.openai.com"
    )


def test_an_error_status_is_one_line_and_keeps_retry_after(server: HostileServer) -> None:
    server.on(
        "/busy",
        hostile.body("<html>busy</html>", "503 Service Unavailable", **{"Retry-After": "7"}),
    )
    error = refusal(server, "/busy")
    assert (str(error), error.transient, error.status, error.retry_after) == (
        "HTTP 503",
        True,
        503,
        7.0,
    )


def test_the_limits_are_settings_with_safe_defaults() -> None:
    assert (load_settings({}).max_body, load_settings({}).private_redirects) == (8 << 20, False)
    chosen = load_settings({"MONITOR_MAX_BODY": "1000", "MONITOR_ALLOW_PRIVATE_REDIRECTS": "yes"})
    assert (chosen.max_body, chosen.private_redirects) == (1000, True)
    with pytest.raises(ConfigError) as caught:
        load_settings({"MONITOR_MAX_BODY": "8M", "MONITOR_ALLOW_PRIVATE_REDIRECTS": "maybe"})
    assert caught.value.problems == [
        "MONITOR_MAX_BODY: '8M' must be a positive whole number of bytes",
        "MONITOR_ALLOW_PRIVATE_REDIRECTS: 'maybe' must be true or false",
    ]


def test_a_workers_session_carries_the_limits_from_its_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workers.runtime import RuntimeTask

    monkeypatch.setenv("MONITOR_MAX_BODY", "1234")
    monkeypatch.setenv("MONITOR_ALLOW_PRIVATE_REDIRECTS", "true")
    monkeypatch.setenv("MONITOR_FETCH_TIMEOUT", "3")
    poller = RuntimeTask().poller
    session = poller.session
    assert isinstance(session, Session)
    assert (session.max_body, session.private_redirects, poller.timeout) == (1234, True, 3.0)
