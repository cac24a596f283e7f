"""`statusmon config check`: pages.yaml and the environment, one line per problem.

Checks everything a process would refuse at start-up (monitor.settings, monitor.config) plus
what only some processes read (REDIS_URL, FLOWER_BASIC_AUTH, ports, pools). Secret values are
never echoed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from monitor.config import ConfigError, load_pages
from monitor.logs import FORMATS
from monitor.processes import POOLS, basic_auth_problem
from monitor.settings import load_settings
from monitor.webhook_config import load_ingress_settings

REDIS_SCHEMES = ("redis", "rediss", "unix")


def check(env: Mapping[str, str], pages_path: str | Path) -> list[str]:
    problems: list[str] = []
    # The web process's settings include the common ones: each problem is listed once. Its
    # REDIS_URL is checked below (unset is fine: `statusmon run` starts an embedded Redis).
    web_env = {**env, "REDIS_URL": env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"}
    loads = (
        lambda: load_pages(pages_path),
        lambda: load_settings(env),
        lambda: load_ingress_settings(web_env),
    )
    for load in loads:
        try:
            load()
        except ConfigError as exc:
            problems += [p for p in exc.problems if p not in problems]
    if env.get("REDIS_URL"):
        problems += [f"REDIS_URL: {p}" for p in redis_url_problems(env["REDIS_URL"])]
    auth = env.get("FLOWER_BASIC_AUTH")
    if auth and (problem := basic_auth_problem(auth)):
        problems.append(f"FLOWER_BASIC_AUTH: {problem}")
    problems += _choice(env, "LOG_FORMAT", FORMATS)
    problems += _choice(env, "POLL_POOL", POOLS)
    for key in ("POLL_CONCURRENCY", "WEB_CONCURRENCY"):
        problems += _whole(env, key, 1, 1024)
    for key in ("PORT", "FLOWER_PORT"):
        problems += _whole(env, key, 1, 65535)
    return problems


def main(env: Mapping[str, str]) -> int:
    """Print the problems (stderr, exit 2) or the page count (stdout, exit 0)."""
    pages_path = env.get("MONITOR_PAGES", "pages.yaml")
    problems = check(env, pages_path)
    for problem in problems:
        print(f"statusmon: {problem}", file=sys.stderr)
    if problems:
        return 2
    print(f"{pages_path}: {len(load_pages(pages_path))} pages OK")
    return 0


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


def _choice(env: Mapping[str, str], key: str, allowed: tuple[str, ...]) -> list[str]:
    value = env.get(key)
    if value is None or value in allowed:
        return []
    return [f"{key}: {value!r} is not one of {', '.join(allowed)}"]


def _whole(env: Mapping[str, str], key: str, low: int, high: int) -> list[str]:
    value = env.get(key)
    if value is None or (value.isdigit() and low <= int(value) <= high):
        return []
    return [f"{key}: {value!r} must be a whole number from {low} to {high}"]
