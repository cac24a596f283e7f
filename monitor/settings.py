"""Environment settings, read once into a typed object (pages.yaml is `monitor.config`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.config import ConfigError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")


@dataclass(frozen=True)
class Settings:
    redis_url: str | None  # None: `statusmon run` starts an embedded Redis
    pages_path: str
    tz: ZoneInfo
    log_level: str
    output_format: str
    data_dir: str
    fetch_timeout: float  # seconds, connect and read
    dedup_ttl: int  # seconds a printed event's key is remembered
    poll_batch: int = 20  # due pages per poll task
    poll_fetchers: int = 32  # threads per worker process polling a batch's pages

    @property
    def broker_url(self) -> str:
        if not self.redis_url:
            raise ConfigError(["REDIS_URL: not set (statusmon run sets it for its children)"])
        return self.redis_url


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    problems: list[str] = []
    tz_name = env.get("MONITOR_TZ", "UTC")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"MONITOR_TZ: {tz_name!r} is not a known time zone (e.g. UTC, Europe/Paris)"
        )
        tz = ZoneInfo("UTC")
    level = env.get("LOG_LEVEL", "INFO").upper()
    if level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL: {level!r} is not one of {', '.join(LOG_LEVELS)}")
    fmt = env.get("MONITOR_FORMAT", "text")
    if fmt not in FORMATS:
        problems.append(f"MONITOR_FORMAT: {fmt!r} is not one of {', '.join(FORMATS)}")
    timeout = _number(env, "MONITOR_FETCH_TIMEOUT", 10.0, problems)
    dedup_ttl = int(_number(env, "MONITOR_DEDUP_TTL", 30 * 86400, problems))
    poll_batch = _integer(env, "POLL_BATCH", 20, problems)
    poll_fetchers = _integer(env, "POLL_FETCHERS", 32, problems)
    if problems:
        raise ConfigError(problems)
    return Settings(
        redis_url=env.get("REDIS_URL") or None,
        pages_path=env.get("MONITOR_PAGES", "pages.yaml"),
        tz=tz,
        log_level=level,
        output_format=fmt,
        data_dir=env.get("MONITOR_DATA", "data"),
        fetch_timeout=timeout,
        dedup_ttl=dedup_ttl,
        poll_batch=poll_batch,
        poll_fetchers=poll_fetchers,
    )


def _number(env: Mapping[str, str], key: str, default: float, problems: list[str]) -> float:
    raw = env.get(key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        problems.append(f"{key}: {raw!r} must be a positive number")
        return default
    return value


def _integer(env: Mapping[str, str], key: str, default: int, problems: list[str]) -> int:
    raw = env.get(key)
    if raw is None:
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        problems.append(f"{key}: {raw!r} must be a whole number of at least 1")
        return default
    return int(raw)
