"""A real Redis Sentinel setup on loopback: a primary, a replica and three sentinels, each a
`redis-server` process (the binary monitor.cli.redis_server finds), all with passwords.

Used by tests/test_sentinel_e2e.py and `make chaos` (its "Sentinel failover" row). The
configuration goes in on stdin (`redis-server -`) for the data nodes, and in a file for each
sentinel (a sentinel rewrites its own file), never in argv.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redis.sentinel

from monitor.cli.redis_server import binary, free_port
from tests.support.wait import wait_until

MASTER = "statusmon"
DOWN_AFTER_MS = 1000  # a primary that does not answer for 1 s is down (production: ~5-30 s)


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    password: str = field(repr=False)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, password=self.password, socket_timeout=2)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class SentinelSetup:
    def __init__(self, folder: Path, down_after_ms: int = DOWN_AFTER_MS) -> None:
        self.folder, self.down_after_ms = folder, down_after_ms
        self.password = secrets.token_hex(12)  # the data nodes'
        self.sentinel_password = secrets.token_hex(12)  # the sentinels' own
        self.nodes: list[Node] = []  # the primary, then the replica
        self.sentinels: list[Node] = []

    @property
    def env(self) -> dict[str, str]:
        """The variables that point statusmon at this setup."""
        return {
            "REDIS_URL": "",
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels),
            "REDIS_SENTINEL_MASTER": MASTER,
            "REDIS_PASSWORD": self.password,
            "REDIS_SENTINEL_PASSWORD": self.sentinel_password,
        }

    def start(self) -> SentinelSetup:
        primary = self._data_node("primary", None)
        self.nodes = [primary, self._data_node("replica", primary.port)]
        self.sentinels = [self._sentinel(i, primary.port) for i in range(3)]
        self.wait_ready()
        return self

    def stop(self) -> None:
        for node in (*self.sentinels, *self.nodes):
            node.stop()

    def primary_port(self) -> int:
        """The primary's port, as the first sentinel that answers says."""
        for sentinel in self.sentinels:
            if sentinel.process.poll() is not None:
                continue
            try:
                _, port = sentinel.client().sentinel_get_master_addr_by_name(MASTER)
                return int(port)
            except redis.RedisError:
                continue
        raise RuntimeError("no sentinel answers")

    def discovered_port(self) -> int | None:
        """The primary's port as a client finds it (redis-py's discovery: a sentinel that
        sees it up and reporting itself as the primary), None while there is none."""
        sentinel = redis.sentinel.Sentinel(
            [("127.0.0.1", s.port) for s in self.sentinels],
            sentinel_kwargs={"password": self.sentinel_password, "socket_timeout": 1},
        )
        try:
            return int(sentinel.discover_master(MASTER)[1])
        except redis.sentinel.MasterNotFoundError:
            return None
        finally:
            for client in sentinel.sentinels:
                client.close()

    def primary(self) -> Node:
        port = self.discovered_port() or self.primary_port()
        return next(n for n in self.nodes if n.port == port)

    def revive(self, node: Node) -> Node:
        """Start a stopped data node again on its port, as a replica of the current primary
        (what an operator does with a failed primary once it is repaired)."""
        new = self._data_node(node.name, self.primary_port(), node.port)
        self.nodes[self.nodes.index(node)] = new
        return new

    def role(self, node: Node) -> str:
        try:
            return str(node.client().info("replication")["role"])
        except redis.RedisError:
            return "unknown"

    def ready(self) -> bool:
        """Every sentinel knows the primary, the replica and the other two sentinels, and the
        replica is in sync: a failover can happen now."""
        try:
            for sentinel in self.sentinels:
                info = sentinel.client().sentinel_master(MASTER)
                if info["num-slaves"] < 1 or info["num-other-sentinels"] < 2:
                    return False
            replica = next(n for n in self.nodes if n.port != self.primary_port())
            return bool(replica.client().info("replication")["master_link_status"] == "up")
        except (redis.RedisError, KeyError):
            return False

    def wait_ready(self, timeout: float = 30) -> None:
        wait_until(self.ready, f"sentinels ready (see {self.folder})", timeout, interval=0.1)

    def _data_node(self, name: str, primary: int | None, port: int = 0) -> Node:
        port = port or free_port()
        lines = [
            f"port {port}",
            "bind 127.0.0.1",
            f"dir {self.folder}",
            f"dbfilename {name}.rdb",
            'save ""',
            f"requirepass {self.password}",
            f"masterauth {self.password}",
        ]
        if primary is not None:
            lines.append(f"replicaof 127.0.0.1 {primary}")
        return self._spawn(name, port, ["-"], "\n".join(lines) + "\n", self.password)

    def _sentinel(self, index: int, primary: int) -> Node:
        port = free_port()
        conf = self.folder / f"sentinel-{index}.conf"
        conf.write_text(
            "\n".join(
                [
                    f"port {port}",
                    "bind 127.0.0.1",
                    f"dir {self.folder}",
                    f"requirepass {self.sentinel_password}",
                    f"sentinel sentinel-pass {self.sentinel_password}",
                    f"sentinel monitor {MASTER} 127.0.0.1 {primary} 2",
                    f"sentinel auth-pass {MASTER} {self.password}",
                    f"sentinel down-after-milliseconds {MASTER} {self.down_after_ms}",
                    f"sentinel failover-timeout {MASTER} 10000",
                ]
            )
            + "\n"
        )
        conf.chmod(0o600)
        return self._spawn(f"sentinel-{index}", port, [str(conf), "--sentinel"], "", "")

    def _spawn(self, name: str, port: int, args: list[str], stdin: str, password: str) -> Node:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it
        process = subprocess.Popen(
            [binary(), *args],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
            start_new_session=True,
        )
        log.close()
        assert process.stdin is not None
        process.stdin.write(stdin.encode())
        process.stdin.close()
        node = Node(name, port, process, password or self.sentinel_password)

        def answers() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.folder / name}.log")
            try:
                return bool(node.client().ping())
            except redis.ConnectionError:
                return False

        wait_until(answers, f"{name} answering (see {self.folder / name}.log)", timeout=20)
        return node
