"""The one list of process commands, used by `statusmon run`, `statusmon proc` and the Procfile."""

from __future__ import annotations

import os
import sys

CELERY = [sys.executable, "-m", "celery", "-A", "workers.celery_app"]
ORDER = ("worker", "notifier", "beat")  # what `statusmon run` starts, in this order


def command(name: str, env: dict[str, str] | None = None) -> list[str]:
    env = dict(os.environ if env is None else env)
    level = env.get("LOG_LEVEL", "INFO").lower()
    data = env.get("MONITOR_DATA", "data")
    commands = {
        "worker": CELERY
        + [
            "worker",
            "-Q",
            "poll",
            "-n",
            "poll@%h",
            "-l",
            level,
            "--pool",
            env.get("POLL_POOL", "threads"),
            "--concurrency",
            env.get("POLL_CONCURRENCY", "8"),
        ],
        "notifier": CELERY
        + ["worker", "-Q", "notify", "-n", "notifier@%h", "-l", level, "--pool", "solo"],
        "beat": CELERY + ["beat", "-l", level, "-s", os.path.join(data, "celerybeat-schedule")],
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{env.get('WEB_HOST', '127.0.0.1')}:{env.get('PORT', '8080')}",
            "--workers",
            env.get("WEB_CONCURRENCY", "2"),
            "monitor.ingress:create_app()",
        ],
        "flower": CELERY
        + [
            "flower",
            f"--port={env.get('FLOWER_PORT', '5555')}",
            f"--basic-auth={env.get('FLOWER_BASIC_AUTH', '')}",
        ],
    }
    if name not in commands:
        raise KeyError(f"unknown process {name!r}; known: {', '.join(commands)}")
    return commands[name]
