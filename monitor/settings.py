"""Every environment variable statusmon reads, in one typed object, read once per process.

`load_settings()` checks all of them and names every problem at once (a ConfigError), as
pages.yaml problems are named. Every process calls it at start: `statusmon <command>`, each
`statusmon proc NAME` before it execs, the Celery app, the web app. An unset REDIS_URL means
one thing everywhere: "no Redis given" — `statusmon run` then starts an embedded one, and
every other process refuses to start (`broker_url`).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

from monitor.env import Reader, basic_auth_problem, redis_url_problems, sentinel_config
from monitor.pages import ConfigError
from monitor.sentinel import SentinelConfig

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
POOLS = ("threads", "prefork", "solo")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FLOWER_NEEDS_AUTH = "Flower does not start without it"
MIN_METRICS_TOKEN = 16
# Seconds before each retry of a failed delivery (jittered; a Retry-After that asks for longer
# wins); after the last one the delivery is a dead letter.
RETRY_SCHEDULE = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 10800.0, 21600.0, 43200.0)


@dataclass(frozen=True)
class WebSettings:
    """The web process: where it listens, and what it accepts from the internet."""

    host: str = "127.0.0.1"  # WEB_HOST
    port: int = 8080  # PORT
    workers: int = 2  # WEB_CONCURRENCY: gunicorn gevent workers (processes)
    connections: int = 1000  # WEB_WORKER_CONNECTIONS: open connections per worker, at most
    header_timeout: int = 5  # WEB_HEADER_TIMEOUT: seconds for a request's head (and keep-alive)
    body_timeout: float = 10.0  # WEB_BODY_TIMEOUT: seconds for a body, once its head is in
    trusted_proxies: tuple[Network, ...] = ()  # WEB_TRUSTED_PROXIES: whose X-Forwarded-For counts
    max_bytes: int = 1 << 20  # WEBHOOK_MAX_BYTES: a webhook body's limit
    rate_limit: str = "120/minute"  # WEBHOOK_RATE_LIMIT, per source address
    stale_after: float = 60.0  # HEALTH_STALE_AFTER: seconds since a role was seen before 503
    replay_window: int = 86400  # WEBHOOK_REPLAY_WINDOW: seconds a delivery is known as a replay
    # METRICS_TOKEN: bearer token /metrics wants; None: /metrics answers loopback clients only
    metrics_token: str | None = field(default=None, repr=False)
    # BOARD_AUTH: user:password (basic) or a bearer token guarding the board, its API and feeds
    board_auth: str | None = field(default=None, repr=False)
    stream_nice: int = 10  # WEB_STREAM_NICE: how far below the web workers the stream process runs


@dataclass(frozen=True)
class FlowerSettings:
    basic_auth: str | None = field(default=None, repr=False)  # FLOWER_BASIC_AUTH: user:password
    port: int = 5555  # FLOWER_PORT
    address: str = "127.0.0.1"  # FLOWER_ADDRESS


@dataclass(frozen=True)
class Settings:
    redis_url: str | None = None  # None (and no sentinel): `statusmon run` embeds a Redis
    pages_path: str = "pages.yaml"  # MONITOR_PAGES
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))  # MONITOR_TZ
    log_level: str = "INFO"  # LOG_LEVEL
    log_format: str = "text"  # LOG_FORMAT
    output_format: str = "text"  # MONITOR_FORMAT: the status lines
    data_dir: str = "data"  # MONITOR_DATA
    fetch_timeout: float = 10.0  # MONITOR_FETCH_TIMEOUT: seconds per request, all of it
    max_body: int = 8 << 20  # MONITOR_MAX_BODY: bytes of a page's body, decoded
    private_redirects: bool = False  # MONITOR_ALLOW_PRIVATE_REDIRECTS: to other private hosts
    dedup_ttl: int = 30 * 86400  # MONITOR_DEDUP_TTL: seconds a printed event's key is kept
    poll_batch: int = 64  # POLL_BATCH: due pages per poll task (docs/benchmarks.md)
    poll_fetchers: int = 64  # POLL_FETCHERS: threads per worker process polling a batch
    poll_pool: str = "prefork"  # POLL_POOL
    poll_concurrency: int | None = None  # POLL_CONCURRENCY; None: two per usable core, ≤ 8
    deliver_concurrency: int = 8  # DELIVER_CONCURRENCY: the deliverer's attempt threads
    deliver_nice: int = 5  # DELIVER_NICE: how far below the console path the deliverer runs
    events_retention_days: int = 90  # EVENTS_RETENTION_DAYS: the event log keeps this long
    retry_schedule: tuple[float, ...] = RETRY_SCHEDULE  # DELIVERY_RETRY_SCHEDULE: "5,30,120"
    delivery_deadline: float = 10.0  # DELIVERY_DEADLINE: seconds one attempt may take in all
    redis_memory_high: float = 0.8  # REDIS_MEMORY_HIGH: share of maxmemory that holds polls
    web: WebSettings = field(default_factory=WebSettings)
    flower: FlowerSettings = field(default_factory=FlowerSettings)
    sentinel: SentinelConfig | None = None  # REDIS_SENTINELS: the primary, through Sentinel

    @property
    def redis(self) -> str | SentinelConfig:
        """The Redis every process but `statusmon run` needs, for `store.connect`: the
        sentinels when set, else REDIS_URL, else a ConfigError."""
        if self.sentinel is not None:
            return self.sentinel
        if not self.redis_url:
            raise ConfigError(["REDIS_URL: not set (statusmon run sets it for its children)"])
        return self.redis_url

    @property
    def broker_url(self) -> str:
        """Celery's broker and result backend: kombu's sentinel:// URL, or REDIS_URL."""
        where = self.redis
        return where if isinstance(where, str) else where.kombu_url()

    @property
    def broker_options(self) -> dict[str, Any]:
        """Transport options the broker URL needs (the Sentinel master's name), else none."""
        return {} if self.sentinel is None else self.sentinel.transport_options()


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    read = Reader(os.environ if env is None else env)
    tz = _zone(read)
    redis_url = read.env.get("REDIS_URL") or None
    if redis_url:
        read.problems += [f"REDIS_URL: {p}" for p in redis_url_problems(redis_url)]
    auth = read.env.get("FLOWER_BASIC_AUTH", "").strip() or None  # blank: not set
    if auth and (problem := basic_auth_problem(auth)):
        read.problems.append(f"FLOWER_BASIC_AUTH: {problem}; {FLOWER_NEEDS_AUTH}")
    settings = Settings(
        redis_url=redis_url,
        sentinel=sentinel_config(read, redis_url),
        pages_path=read.env.get("MONITOR_PAGES", "pages.yaml"),
        tz=tz,
        log_level=read.choice("LOG_LEVEL", LOG_LEVELS, "INFO", upper=True),
        log_format=read.choice("LOG_FORMAT", FORMATS, "text"),
        output_format=read.choice("MONITOR_FORMAT", FORMATS, "text"),
        data_dir=read.env.get("MONITOR_DATA", "data"),
        fetch_timeout=read.number("MONITOR_FETCH_TIMEOUT", 10.0),
        max_body=read.whole("MONITOR_MAX_BODY", 8 << 20, what="a positive whole number of bytes"),
        private_redirects=read.flag("MONITOR_ALLOW_PRIVATE_REDIRECTS", False),
        dedup_ttl=int(read.number("MONITOR_DEDUP_TTL", 30 * 86400)),
        poll_batch=read.whole("POLL_BATCH", 64),
        poll_fetchers=read.whole("POLL_FETCHERS", 64),
        poll_pool=read.choice("POLL_POOL", POOLS, "prefork"),
        poll_concurrency=read.whole("POLL_CONCURRENCY", None, high=1024),
        deliver_concurrency=read.whole("DELIVER_CONCURRENCY", 8, high=256),
        deliver_nice=_nice(read, "DELIVER_NICE", 5),
        events_retention_days=read.whole("EVENTS_RETENTION_DAYS", 90, high=36500),
        retry_schedule=_schedule(read),
        delivery_deadline=read.number("DELIVERY_DEADLINE", 10.0),
        redis_memory_high=read.fraction("REDIS_MEMORY_HIGH", 0.8),
        web=WebSettings(
            host=read.env.get("WEB_HOST", "127.0.0.1"),
            port=read.whole("PORT", 8080, high=65535),
            workers=read.whole("WEB_CONCURRENCY", 2, high=1024),
            connections=read.whole("WEB_WORKER_CONNECTIONS", 1000, high=100_000),
            header_timeout=read.whole("WEB_HEADER_TIMEOUT", 5, high=3600),
            body_timeout=read.number("WEB_BODY_TIMEOUT", 10.0),
            trusted_proxies=_networks(read, "WEB_TRUSTED_PROXIES"),
            max_bytes=read.whole("WEBHOOK_MAX_BYTES", 1 << 20, what="a positive whole number"),
            rate_limit=_rate(read),
            stale_after=float(read.whole("HEALTH_STALE_AFTER", 60, what="whole seconds ≥ 1")),
            replay_window=read.whole("WEBHOOK_REPLAY_WINDOW", 86400, what="whole seconds ≥ 1"),
            metrics_token=_metrics_token(read),
            board_auth=_board_auth(read),
            stream_nice=_nice(read, "WEB_STREAM_NICE", 10),
        ),
        flower=FlowerSettings(
            basic_auth=auth,
            port=read.whole("FLOWER_PORT", 5555, high=65535),
            address=read.env.get("FLOWER_ADDRESS", "127.0.0.1"),
        ),
    )
    if read.problems:
        raise ConfigError(read.problems)
    return settings


def _zone(read: Reader) -> ZoneInfo:
    name = read.env.get("MONITOR_TZ", "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        read.problems.append(
            f"MONITOR_TZ: {name!r} is not a known time zone (e.g. UTC, Europe/Paris)"
        )
        return ZoneInfo("UTC")


def _metrics_token(read: Reader) -> str | None:
    token = read.env.get("METRICS_TOKEN", "").strip() or None  # blank: not set
    if token and len(token) < MIN_METRICS_TOKEN:
        read.problems.append(f"METRICS_TOKEN: must be at least {MIN_METRICS_TOKEN} characters")
    return token


def _board_auth(read: Reader) -> str | None:
    """user:password (several: comma-separated), or a token of MIN_METRICS_TOKEN+ characters."""
    value = read.env.get("BOARD_AUTH", "").strip() or None  # blank: the board is open
    if value is None:
        return None
    if ":" in value:
        if problem := basic_auth_problem(value):
            read.problems.append(f"BOARD_AUTH: {problem}")
    elif len(value) < MIN_METRICS_TOKEN:
        read.problems.append(
            f"BOARD_AUTH: a token must be at least {MIN_METRICS_TOKEN} characters "
            "(or user:password)"
        )
    return value


def _rate(read: Reader) -> str:
    rate = read.env.get("WEBHOOK_RATE_LIMIT", "120/minute")
    try:
        parse_many(rate)
    except ValueError:
        read.problems.append(f"WEBHOOK_RATE_LIMIT: {rate!r} is not a rate like 120/minute")
    return rate


def _networks(read: Reader, key: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR networks; blank: none."""
    found = []
    for item in read.env.get(key, "").split(","):
        if not item.strip():
            continue
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            read.problems.append(f"{key}: {item.strip()!r} is not an address or network")
    return tuple(found)


def _schedule(read: Reader) -> tuple[float, ...]:
    raw = read.env.get("DELIVERY_RETRY_SCHEDULE")
    if raw is None:
        return RETRY_SCHEDULE
    try:
        delays = tuple(float(part) for part in raw.split(","))
    except ValueError:
        delays = ()
    if not delays or any(not 0 < d <= 86400 for d in delays):
        read.problems.append(
            f"DELIVERY_RETRY_SCHEDULE: {raw!r} must be seconds separated by commas (e.g. 5,30,120)"
        )
        return RETRY_SCHEDULE
    return delays


def _nice(read: Reader, name: str, default: int) -> int:
    raw = read.env.get(name, str(default)).strip()
    if not raw.isdigit() or int(raw) > 19:
        read.problems.append(f"{name}: {raw!r} must be a whole number from 0 to 19")
        return default
    return int(raw)
