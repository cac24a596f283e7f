"""A session keeps its kept-alive connections to many more hosts than it has fetch threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from monitor.session import new_session


class KeepAlive(ThreadingHTTPServer):
    """HTTP/1.1 on loopback, every answer a 304 on a kept-alive connection; counts them."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                server.connections += 1
                super().setup()

            def do_GET(self) -> None:
                self.send_response(304)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v2/summary.json"


@pytest.fixture
def hosts() -> Iterator[list[KeepAlive]]:
    servers = [KeepAlive() for _ in range(3)]
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def test_polling_more_hosts_than_threads_in_turn_reuses_each_hosts_connection(
    hosts: list[KeepAlive],
) -> None:
    with new_session(connections=1) as session:  # one fetch thread
        for _ in range(3):
            for host in hosts:
                assert session.get(host.url, timeout=5).status_code == 304
    assert [host.connections for host in hosts] == [1, 1, 1]
