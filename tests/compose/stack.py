"""The compose stack under test, driven through the Compose CLI a user has (docker-compose 1.29,
Debian's, or Compose v2 as `docker compose`), and read through `docker` itself: container ids,
each container's stdout and stderr apart, the bridge's gateway."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def compose_command() -> list[str]:
    """COMPOSE if set (e.g. "docker compose"), else docker-compose, else Compose v2."""
    if os.environ.get("COMPOSE"):
        return os.environ["COMPOSE"].split()
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return ["docker", "compose"]


def docker(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def bridge_gateway() -> str:
    """The host's address on Docker's default bridge (docker0): containers of any project reach
    it. Docker 20.10 leaves the gateway out of the default bridge's IPAM: then it is the
    subnet's first address, which Docker gives the bridge."""
    config = json.loads(docker("network", "inspect", "bridge", "-f", "{{json .IPAM.Config}}"))
    first = config[0]
    return str(first.get("Gateway") or ipaddress.ip_network(first["Subnet"])[1])


@dataclass
class Output:
    """What one container wrote: stdout lines with their arrival times, and stderr lines."""

    stdout: list[tuple[float, str]] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def container_output(container: str) -> Output:
    done = subprocess.run(
        ["docker", "logs", "-t", container], capture_output=True, text=True, timeout=60
    )
    out = Output()
    for line in done.stdout.splitlines():
        stamp, _, text = line.partition(" ")
        out.stdout.append((_epoch(stamp), text))
    out.stderr = [line.partition(" ")[2] for line in done.stderr.splitlines()]
    return out


def _epoch(stamp: str) -> float:
    """Docker's RFC 3339 stamp with nanoseconds, to seconds since the epoch."""
    head, _, frac = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(head + "+00:00").timestamp() + float(f"0.{frac or 0}")


class Stack:
    def __init__(self, project: str, env_file: Path, log: Path) -> None:
        self.base = [*compose_command(), "-p", project, "--env-file", str(env_file)]
        self.base += ["-f", str(ROOT / "docker-compose.yml")]
        self.log = log

    def run(self, *args: str, check: bool = True, timeout: float = 900) -> str:
        """One compose command; its output goes to the log, stdout is returned."""
        done = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
        )
        with open(self.log, "a", encoding="utf-8") as log:
            log.write(f"$ compose {' '.join(args)}\n{done.stdout}{done.stderr}\n")
        if check and done.returncode:
            raise RuntimeError(f"compose {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def execute(self, service: str, *argv: str) -> subprocess.CompletedProcess[str]:
        """`compose exec SERVICE ARGV` as a user types it (the service's user, no TTY)."""
        return subprocess.run(
            [*self.base, "exec", "-T", service, *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )

    def ids(self, service: str) -> list[str]:
        return sorted(self.run("ps", "-q", service).split())

    def inspect(self, container: str) -> dict[str, Any]:
        data: list[dict[str, Any]] = json.loads(docker("inspect", container))
        return data[0]

    def hostnames(self, service: str) -> set[str]:
        return {self.inspect(c)["Config"]["Hostname"] for c in self.ids(service)}
