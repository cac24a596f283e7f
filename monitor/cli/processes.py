"""The one list of process commands, used by `statusmon run`, `statusmon proc`, the Procfile and
docker-compose.yml (every service runs `statusmon proc NAME`, so commands never drift)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from monitor.env import basic_auth_problem
from monitor.keys import (
    CONTROL_QUEUE,
    DELIVER_QUEUE,
    DELIVER_ROLE,
    NOTIFIER_ROLE,
    NOTIFY_QUEUE,
    POLL_QUEUE,
    POLL_ROLE,
)
from monitor.pages import ConfigError
from monitor.settings import FLOWER_NEEDS_AUTH, Settings, load_settings

APP = ["-A", "workers.celery_app"]
CELERY = [sys.executable, "-m", "celery", *APP]
NAMES = ("web", "worker", "deliverer", "notifier", "beat", "flower")  # Procfile's, compose's
ORDER = ("worker", "deliverer", "notifier", "beat", "web")  # what `statusmon run` starts, in order

Env = Mapping[str, str]


def command(name: str, env: Env | None = None) -> list[str]:
    """argv for process `name`, from the settings `env` holds (all checked: ConfigError names
    every problem, and what this process in particular cannot start without)."""
    if name not in _BUILDERS:
        raise KeyError(f"unknown process {name!r}; known: {', '.join(NAMES)}")
    return _BUILDERS[name](load_settings(os.environ if env is None else env))


def _celery(s: Settings, launcher: list[str] = CELERY) -> list[str]:
    # JSON logs: no ASCII-art banner, so stderr stays one JSON object per line.
    return launcher + (["--quiet"] if s.log_format == "json" else [])


def _level(s: Settings) -> str:
    return s.log_level.lower()


def _worker(s: Settings) -> list[str]:
    # Node name poll@<hostname>: unique per container, so `--scale worker=N` needs nothing else.
    # prefork, two processes per core: a poll task carries POLL_BATCH pages whose GETs overlap on
    # the process's POLL_FETCHERS threads, so processes are for CPU (docs/benchmarks.md).
    concurrency = s.poll_concurrency or default_concurrency()
    queue = [
        "worker",
        "-Q",
        f"{CONTROL_QUEUE},{POLL_QUEUE}",
        "-n",
        f"{POLL_ROLE}@%h",
        "-l",
        _level(s),
    ]
    return _celery(s) + queue + ["--pool", s.poll_pool, "--concurrency", str(concurrency)]


def default_concurrency() -> int:
    """Two poll processes per core this process may run on (its CPU affinity, which a
    container's cpuset limits), at most 8: each has POLL_FETCHERS threads and Redis clients."""
    return min(8, 2 * len(os.sched_getaffinity(0)))


def _deliverer(s: Settings) -> list[str]:
    # The channels' deliveries (`deliver`), on their own worker: one process whose attempts are
    # threads (mostly waits on receivers), so a burst's deliveries use at most one core and
    # never take the notifier's, nor hold a poll worker's slot a webhook's ingest waits for.
    return _celery(s) + [
        "worker",
        "-Q",
        DELIVER_QUEUE,
        "-n",
        f"{DELIVER_ROLE}@%h",
        "-l",
        _level(s),
        "--pool",
        "threads",
        "--concurrency",
        str(s.deliver_concurrency),
    ]


def _notifier(s: Settings) -> list[str]:
    return _celery(s) + [
        "worker",
        "-Q",
        NOTIFY_QUEUE,
        "-n",
        f"{NOTIFIER_ROLE}@%h",
        "-l",
        _level(s),
        "--pool",
        "solo",
    ]


def _beat(s: Settings) -> list[str]:
    os.makedirs(s.data_dir, exist_ok=True)  # beat's schedule file does not create its folder
    schedule = os.path.join(s.data_dir, "celerybeat-schedule")
    return _celery(s) + ["beat", "-l", _level(s), "-s", schedule]


def _web(s: Settings) -> list[str]:
    # gevent workers: a connection is a greenlet, so clients that trickle their requests hold
    # connections (at most WEB_WORKER_CONNECTIONS per worker, each for at most the head's or
    # the body's timeout), never a worker; long-lived streams stay cheap (docs/reverse-proxy.md).
    web = s.web
    return [sys.executable, "-m", "gunicorn", "--bind", f"{web.host}:{web.port}"] + [
        "--workers",
        str(web.workers),
        "--worker-class",
        "gevent",
        "--worker-connections",
        str(web.connections),
        "--keep-alive",  # under gevent: the wait for each request's whole head, idle or not
        str(web.header_timeout),
        "--log-level",
        _level(s),
        "--logger-class",
        "monitor.web.weblog.GunicornLogger",  # gunicorn's own lines in our text/JSON format
        "--no-control-socket",  # else every gunicorn on a host shares ~/.gunicorn/gunicorn.ctl
        "--config",  # its hooks: the stream process, which serves every worker's live streams
        "python:monitor.web.gunicorn_conf",
        "monitor.web.server:app()",  # the ingress app behind the body deadline (last: bench)
    ]


def _flower(s: Settings) -> list[str]:
    """Flower is never open without credentials. It reads FLOWER_BASIC_AUTH (and FLOWER_PORT,
    FLOWER_ADDRESS) from its environment itself: the secret stays out of argv and `ps`."""
    problem = basic_auth_problem(s.flower.basic_auth or "")
    if problem:
        raise ConfigError([f"FLOWER_BASIC_AUTH: {problem}; {FLOWER_NEEDS_AUTH}"])
    launcher = [sys.executable, "-m", "workers.flower_main", *APP]  # Celery's CLI, our logging
    return _celery(s, launcher) + [
        "flower",
        f"--port={s.flower.port}",
        f"--address={s.flower.address}",
        f"--logging={_level(s) if _level(s) != 'critical' else 'error'}",
    ]


_BUILDERS: dict[str, Callable[[Settings], list[str]]] = {
    "web": _web,
    "worker": _worker,
    "deliverer": _deliverer,
    "notifier": _notifier,
    "beat": _beat,
    "flower": _flower,
}
