"""The one list of process commands, used by `statusmon run`, `statusmon proc`, the Procfile and
docker-compose.yml (every service runs `statusmon proc NAME`, so commands never drift)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from monitor.config import ConfigError

APP = ["-A", "workers.celery_app"]
CELERY = [sys.executable, "-m", "celery", *APP]
NAMES = ("web", "worker", "notifier", "beat", "flower")  # the Procfile's and compose's processes
ORDER = ("worker", "notifier", "beat", "web")  # what `statusmon run` starts, in this order
POOLS = ("threads", "prefork", "solo")

Env = Mapping[str, str]


def command(name: str, env: Env | None = None) -> list[str]:
    """argv for process `name`; ConfigError when its settings forbid starting it."""
    env = os.environ if env is None else env
    if name not in _BUILDERS:
        raise KeyError(f"unknown process {name!r}; known: {', '.join(NAMES)}")
    return _BUILDERS[name](env)


def _celery(env: Env, launcher: list[str] = CELERY) -> list[str]:
    # JSON logs: no ASCII-art banner, so stderr stays one JSON object per line.
    return launcher + (["--quiet"] if env.get("LOG_FORMAT") == "json" else [])


def _level(env: Env) -> str:
    return env.get("LOG_LEVEL", "INFO").lower()


def _worker(env: Env) -> list[str]:
    # Node name poll@<hostname>: unique per container, so `--scale worker=N` needs nothing else.
    # prefork, two processes per core: a poll task carries POLL_BATCH pages whose GETs overlap on
    # the process's POLL_FETCHERS threads, so processes are for CPU (docs/benchmarks.md).
    pool = env.get("POLL_POOL", "prefork")
    concurrency = env.get("POLL_CONCURRENCY", str(default_concurrency()))
    queue = ["worker", "-Q", "control,poll", "-n", "poll@%h", "-l", _level(env)]
    return _celery(env) + queue + ["--pool", pool, "--concurrency", concurrency]


def default_concurrency() -> int:
    """Two poll processes per core this process may run on (its CPU affinity, which a
    container's cpuset limits), at most 8: each has POLL_FETCHERS threads and Redis clients."""
    return min(8, 2 * len(os.sched_getaffinity(0)))


def _notifier(env: Env) -> list[str]:
    return _celery(env) + [
        "worker",
        "-Q",
        "notify",
        "-n",
        "notifier@%h",
        "-l",
        _level(env),
        "--pool",
        "solo",
    ]


def _beat(env: Env) -> list[str]:
    data = env.get("MONITOR_DATA", "data")
    os.makedirs(data, exist_ok=True)  # beat's schedule file does not create its folder
    schedule = os.path.join(data, "celerybeat-schedule")
    return _celery(env) + ["beat", "-l", _level(env), "-s", schedule]


def _web(env: Env) -> list[str]:
    bind = f"{env.get('WEB_HOST', '127.0.0.1')}:{env.get('PORT', '8080')}"
    return [sys.executable, "-m", "gunicorn", "--bind", bind] + [
        "--workers",
        env.get("WEB_CONCURRENCY", "2"),
        "--log-level",
        _level(env),
        "--logger-class",
        "monitor.weblog.GunicornLogger",  # gunicorn's own lines in our text/JSON format
        "monitor.ingress:create_app()",
    ]


def _flower(env: Env) -> list[str]:
    """Flower is never open without credentials. It reads FLOWER_BASIC_AUTH (and FLOWER_PORT,
    FLOWER_ADDRESS) from its environment itself: the secret stays out of argv and `ps`."""
    problem = basic_auth_problem(env.get("FLOWER_BASIC_AUTH", ""))
    if problem:
        raise ConfigError([f"FLOWER_BASIC_AUTH: {problem}; Flower does not start without it"])
    launcher = [sys.executable, "-m", "workers.flower_main", *APP]  # Celery's CLI, our logging
    return _celery(env, launcher) + [
        "flower",
        f"--port={env.get('FLOWER_PORT', '5555')}",
        f"--address={env.get('FLOWER_ADDRESS', '127.0.0.1')}",
        f"--logging={_level(env) if _level(env) != 'critical' else 'error'}",
    ]


def basic_auth_problem(value: str) -> str | None:
    """None if `value` is user:password (several: comma-separated), else what is wrong."""
    if not value.strip():
        return "not set (user:password)"
    for pair in value.split(","):
        user, sep, password = pair.partition(":")
        if not (sep and user.strip() and password):
            return "expected user:password (several separated by commas)"
    return None


_BUILDERS: dict[str, Callable[[Env], list[str]]] = {
    "web": _web,
    "worker": _worker,
    "notifier": _notifier,
    "beat": _beat,
    "flower": _flower,
}
