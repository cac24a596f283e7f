"""`statusmon run`: the whole system on one machine, as supervised child processes.

One run per data folder (monitor/cli/runlock.py). No REDIS_URL (nor REDIS_SENTINELS): a real
Redis server is started on loopback with a password and its append-only file in `<data>/redis`,
so a later run resumes without re-printing; a server left there by a crashed run is stopped first
(monitor/cli/embedded.py). stdout carries the status lines only; stderr a short summary in plain
sentences (monitor.cli.console.for_people), the warnings and the errors; each process's
whole log is in `<data>/logs/<name>.log`. A child that exits is started again
(monitor/cli/supervisor.py); children die with the run.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from monitor import sentinel
from monitor.cli import embedded, processes, runlock
from monitor.cli.children import Child, spawn_command
from monitor.cli.console import ChildOutput, for_people
from monitor.cli.supervisor import Supervisor
from monitor.settings import Settings

STATUS_STREAM = "notifier"  # the process whose stdout is the status lines
OPTIONAL = ("web", "flower")  # the run goes on without them


def run(settings: Settings, names: tuple[str, ...] = processes.ORDER, verbose: bool = False) -> int:
    data = Path(settings.data_dir).resolve()
    log = for_people(settings.log_format)
    try:
        lock = runlock.acquire(data)
    except runlock.AlreadyRunning as exc:
        log.error("%s", exc)
        return 1
    try:
        return _run(settings, data, names, verbose or settings.log_level == "DEBUG", lock.fd)
    finally:
        lock.release()


def _run(settings: Settings, data: Path, names: tuple[str, ...], verbose: bool, lock: int) -> int:
    """`lock`: the data folder's locked descriptor, which every child inherits."""
    log = for_people(settings.log_format)
    logs = data / "logs"
    env = dict(os.environ)
    env["MONITOR_DATA"] = str(data)
    env.setdefault("MONITOR_FORMAT", settings.output_format)
    redis = None
    if not settings.redis_url and settings.sentinel is None:
        for name in sentinel.VARIABLES:  # the children use the embedded one (statusmon demo)
            env.pop(name, None)
        try:  # a Redis left on the folder by a crashed run is stopped here
            redis = embedded.EmbeddedRedis(data / "redis", logs / "redis.log", (lock,))
        except (OSError, RuntimeError) as exc:
            log.error("The embedded Redis cannot start: %s", exc)
            return 1
        env["REDIS_URL"] = redis.url
    if "web" in names and not _port_free(settings.web.host, settings.web.port):
        log.warning(
            "Port %d is in use: set PORT to a free port. Webhooks, /health and /metrics are"
            " off; polls and status lines go on.",
            settings.web.port,
        )
        names = tuple(n for n in names if n != "web")
    prefix = settings.log_format != "json"
    children: list[Child] = []
    for name in names:  # every command first: a ConfigError before anything starts
        output = ChildOutput(name, logs / f"{name}.log", sys.stderr, verbose, prefix)
        argv = processes.command(name, env)
        spawn = spawn_command(argv, env, status_stream=name == STATUS_STREAM, keep_fds=(lock,))
        children.append(Child(name, spawn, output, optional=name in OPTIONAL))
    if redis is None:
        where = f"{settings.sentinel} (REDIS_SENTINELS)" if settings.sentinel else None
        log.info("Redis: %s", where or f"{settings.redis_url} (REDIS_URL)")  # pw redacted
    else:
        try:
            redis.start()  # before the others, which need it
        except (OSError, RuntimeError) as exc:
            log.error("The embedded Redis did not start: %s", exc)
            return 1
        children.insert(0, redis.child)
        folder = data / "redis"
        log.info(
            "Redis: embedded, %s, data in %s, password in %s",
            redis.shown_url,
            folder,
            folder / embedded.PASSWORD_FILE,
        )
    log.info("Starting %s; logs in %s/<name>.log", ", ".join(names), logs)
    if "web" in names:
        base = f"http://{_shown_host(settings.web.host)}:{settings.web.port}"
        log.info("Health at %s/health, metrics at %s/metrics", base, base)
    log.info("Status lines follow on stdout; Ctrl-C stops.")
    return Supervisor(children).run()


def _port_free(host: str, port: int) -> bool:
    """Whether the web process could listen on host:port (as gunicorn does: SO_REUSEADDR)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port)[0]
        with socket.socket(family, kind, proto) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(address)
    except OSError:
        return False
    return True


def _shown_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
