"""Typed readers of environment values for monitor.settings: each bad value becomes one
problem line naming the variable (never a secret's value), and the default stands in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import overload
from urllib.parse import SplitResult, unquote, urlsplit

from monitor.sentinel import SentinelConfig

REDIS_SCHEMES = ("redis", "rediss", "unix")
MASTER_NAME = re.compile(r"[A-Za-z0-9._-]+")


class Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def choice(self, key: str, allowed: tuple[str, ...], default: str, upper: bool = False) -> str:
        value = self.env.get(key, default)
        value = value.upper() if upper else value
        if value in allowed:
            return value
        self.problems.append(f"{key}: {value!r} is not one of {', '.join(allowed)}")
        return default

    def flag(self, key: str, default: bool) -> bool:
        """true/false (also 1/0, yes/no, on/off), any case."""
        raw = self.env.get(key)
        if raw is None or not raw.strip():
            return default
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        self.problems.append(f"{key}: {raw!r} must be true or false")
        return default

    def number(self, key: str, default: float) -> float:
        raw = self.env.get(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if value <= 0:
            self.problems.append(f"{key}: {raw!r} must be a positive number")
            return default
        return value

    def fraction(self, key: str, default: float) -> float:
        """A share in (0, 1]: 0.8 for 80 %."""
        value = self.number(key, default)
        if value > 1:
            self.problems.append(f"{key}: {self.env[key]!r} must be a share in (0, 1], e.g. 0.8")
            return default
        return value

    @overload
    def whole(self, key: str, default: int, high: int | None = ..., what: str = ...) -> int: ...

    @overload
    def whole(
        self, key: str, default: None, high: int | None = ..., what: str = ...
    ) -> int | None: ...

    def whole(
        self, key: str, default: int | None, high: int | None = None, what: str = ""
    ) -> int | None:
        """A whole number from 1 (to `high`); `what` words the problem when not the range."""
        raw = self.env.get(key)
        if raw is None:
            return default
        value = raw.strip()
        if value.isdigit() and 1 <= int(value) <= (high or int(value)):
            return int(value)
        if not what:
            what = f"a whole number from 1 to {high}" if high else "a whole number of at least 1"
        self.problems.append(f"{key}: {raw!r} must be {what}")
        return default


def basic_auth_problem(value: str) -> str | None:
    """None if `value` is user:password (several: comma-separated), else what is wrong."""
    if not value.strip():
        return "not set (user:password)"
    for pair in value.split(","):
        user, sep, password = pair.partition(":")
        if not (sep and user.strip() and password):
            return "expected user:password (several separated by commas)"
    return None


def redis_url_problems(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return [f"{_safe(url)}: {exc}"]
    where = _safe(url, parts)
    if parts.scheme not in REDIS_SCHEMES:
        return [f"{where}: scheme must be one of {', '.join(s + '://' for s in REDIS_SCHEMES)}"]
    if parts.scheme == "unix":
        return [] if parts.path else [f"{where}: unix:// needs a socket path"]
    problems = [] if parts.hostname else [f"{where}: no host (e.g. redis://redis:6379/0)"]
    db = parts.path.strip("/")
    if db and not db.isdigit():
        problems.append(f"{where}: database {db!r} must be a number (e.g. /0)")
    if port == 0:
        problems.append(f"{where}: port 0")
    return problems


def _safe(url: str, parts: SplitResult | None = None) -> str:
    """The URL with its password (if any) masked."""
    if parts is None or parts.password is None:
        return repr(url.split("@")[-1]) if "@" in url else repr(url)
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return repr(parts._replace(netloc=netloc).geturl())


def host_ports(raw: str) -> tuple[tuple[tuple[str, int], ...], list[str]]:
    """`host:port,host:port` (IPv6: `[::1]:26379`): the nodes, and one problem per bad item."""
    nodes: list[tuple[str, int]] = []
    problems: list[str] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        ok_host = host and not any(c in host for c in " /@;,")
        if not (sep and ok_host and port.isdigit() and 1 <= int(port) <= 65535):
            problems.append(f"{item!r} is not host:port (e.g. sentinel-1:26379)")
        elif (host, int(port)) in nodes:
            problems.append(f"{item!r} is listed twice")
        else:
            nodes.append((host, int(port)))
    if not nodes and not problems:
        problems.append("no sentinel listed (host:port, comma-separated)")
    return tuple(nodes), problems


def sentinel_config(read: Reader, redis_url: str | None) -> SentinelConfig | None:
    """REDIS_SENTINELS and REDIS_SENTINEL_MASTER; the password: REDIS_PASSWORD or REDIS_URL's
    (whose host is then not used), the database: REDIS_URL's."""
    raw, master = read.env.get("REDIS_SENTINELS", ""), read.env.get("REDIS_SENTINEL_MASTER", "")
    password = read.env.get("REDIS_PASSWORD") or None
    url = urlsplit(redis_url or "redis://")
    if not raw.strip():
        if master.strip():
            read.problems.append("REDIS_SENTINEL_MASTER: set without REDIS_SENTINELS")
        if password and redis_url and not url.password:
            read.problems.append(
                "REDIS_PASSWORD: read only with REDIS_SENTINELS; put the password in REDIS_URL"
                " (redis://:PASSWORD@host:6379/0)"
            )
        return None
    nodes, problems = host_ports(raw)
    read.problems += [f"REDIS_SENTINELS: {p}" for p in problems]
    if not master.strip():
        read.problems.append(
            "REDIS_SENTINEL_MASTER: not set; REDIS_SENTINELS needs the name the sentinels"
            " monitor the primary under (e.g. mymaster)"
        )
    elif not MASTER_NAME.fullmatch(master.strip()):
        read.problems.append(f"REDIS_SENTINEL_MASTER: {master!r} must be letters, digits, . _ -")
    if url.scheme != "redis":
        read.problems.append("REDIS_URL: with REDIS_SENTINELS only redis:// (password, /db)")
    if password and url.password and password != unquote(url.password):
        read.problems.append("REDIS_PASSWORD: differs from REDIS_URL's password; give one")
    db = url.path.strip("/")
    return SentinelConfig(
        nodes,
        master.strip(),
        db=int(db) if db.isdigit() else 0,
        password=password or (unquote(url.password) if url.password else None),
        sentinel_password=read.env.get("REDIS_SENTINEL_PASSWORD") or None,
    )
