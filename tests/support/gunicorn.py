"""The web process as production runs it (`statusmon proc web`'s argv: real gunicorn), on a
loopback port, with its own Redis database as state store and broker."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from monitor.cli import processes
from monitor.cli.redis_server import free_port
from tests.support.procs import Proc


class Web:
    def __init__(self, redis_url: str, pages: Path, log_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "MONITOR_PAGES": str(pages),
            "WEB_HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.proc = Proc("web", processes.command("web", self.env), self.env, log_dir)

    def __enter__(self) -> Web:
        self.proc.start()
        self._wait_listening()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.proc.stop()

    def _wait_listening(self, timeout: float = 30) -> None:
        assert self.proc.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                try:  # waits a little, and notices a server that exited
                    self.proc.process.wait(timeout=0.05)
                except subprocess.TimeoutExpired:
                    continue
                raise AssertionError(f"gunicorn exited:\n{self.proc.log_tail()}") from None
        raise AssertionError(f"gunicorn not listening in {timeout}s:\n{self.proc.log_tail()}")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | Iterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """One request on a fresh connection. An iterable body goes chunked, with no
        Content-Length (http.client's Transfer-Encoding: chunked)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()
