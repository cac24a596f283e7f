"""Redis Sentinel: the primary found through sentinels (REDIS_SENTINELS, REDIS_SENTINEL_MASTER),
in the three forms its users want — a redis-py client for the core (`client`), kombu's URL and
transport options for Celery's broker and result backend (`kombu_url`, `transport_options`),
and a `redis+sentinel://` URI for the web app's rate limiter (`limits_uri`).

A client asks a sentinel where the primary is when it connects; after a failover its
connections break (Sentinel disconnects the clients of a demoted primary, and a write to a
replica is refused), and the next connection goes to the promoted replica. Replication is
asynchronous: the writes the old primary took just before it failed may be lost, and so may
those a still-running old primary takes between the promotion and its own demotion (a manual
SENTINEL FAILOVER, a network split) — docs/reliability.md (`make chaos`) says what that costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

if TYPE_CHECKING:  # not imported with the settings: the web process's logger class reads them
    import redis  # before gevent patches ssl, which redis imports

VARIABLES = ("REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD")
# A sentinel that does not answer within a second is skipped for the next one.
SENTINEL_TIMEOUTS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}


@dataclass(frozen=True)
class SentinelConfig:
    nodes: tuple[tuple[str, int], ...]  # REDIS_SENTINELS: each sentinel's host and port
    master: str  # REDIS_SENTINEL_MASTER: the name the sentinels monitor the primary under
    db: int = 0  # REDIS_URL's database, when REDIS_URL is set too
    # REDIS_PASSWORD (or REDIS_URL's): the primary's and the replicas' password
    password: str | None = field(default=None, repr=False)
    # REDIS_SENTINEL_PASSWORD: the sentinels' own (their requirepass), if they have one
    sentinel_password: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        """For people and logs (no password): `mymaster via sentinel-1:26379,sentinel-2:26379`."""
        return f"{self.master} via " + ",".join(f"{_host(h)}:{p}" for h, p in self.nodes)

    def sentinel_kwargs(self) -> dict[str, Any]:
        auth = {"password": self.sentinel_password} if self.sentinel_password else {}
        return {**SENTINEL_TIMEOUTS, **auth}

    def client(self, **options: Any) -> redis.Redis:
        """A client of the current primary; `options` as for redis.Redis (timeouts,
        decode_responses)."""
        from redis.sentinel import Sentinel

        sentinel = Sentinel(list(self.nodes), sentinel_kwargs=self.sentinel_kwargs())
        client = sentinel.master_for(self.master, db=self.db, password=self.password, **options)
        return cast("redis.Redis", client)

    def kombu_url(self) -> str:
        """`sentinel://:pw@host:port/db;sentinel://…`: kombu and Celery's result backend read
        the password and the database from the first."""
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return ";".join(f"sentinel://{auth}{_host(h)}:{p}/{self.db}" for h, p in self.nodes)

    def transport_options(self) -> dict[str, Any]:
        """broker_transport_options and result_backend_transport_options."""
        return {"master_name": self.master, "sentinel_kwargs": self.sentinel_kwargs()}

    def limits_uri(self) -> str:
        """The `limits` library's storage URI (its password is the primary's; the sentinels'
        and the database go in `limits_options`)."""
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        hosts = ",".join(f"{_host(h)}:{p}" for h, p in self.nodes)
        return f"redis+sentinel://{auth}{hosts}/{self.master}"

    def limits_options(self) -> dict[str, Any]:
        # Never read a rate limit's count from a replica: it lags the primary.
        return {"db": self.db, "use_replicas": False, "sentinel_kwargs": self.sentinel_kwargs()}


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address
