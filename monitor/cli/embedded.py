"""The embedded Redis of `statusmon run`: its password, and a server left by a crashed run.

The password is random, kept in `<data>/redis/password` (mode 0600) and reused by later runs;
children get it inside REDIS_URL (log lines redact URL passwords). Before a run starts its
server it stops any redis-server still serving the same folder (from the pid file, or found
in /proc by its working directory): two servers must never share one append-only file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import select
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

from monitor.cli import redis_server
from monitor.cli.children import Child
from monitor.cli.lifeline import tie_to
from monitor.cli.redis_server import PIDFILE

log = logging.getLogger("statusmon.run")
PASSWORD_FILE = "password"


def password(redis_dir: Path) -> str:
    """The folder's password: read, or created once (0600, only this user can read it; the
    folder, with the append-only file, is made 0700 too)."""
    path = redis_dir / PASSWORD_FILE
    redis_dir.mkdir(parents=True, exist_ok=True)
    redis_dir.chmod(0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)  # a copy restored with looser rights is tightened
        text = path.read_text().strip()
        if not text:
            raise RuntimeError(f"{path} is empty: delete it and a new password is made") from None
        return text
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip()


def servers_on(redis_dir: Path) -> list[int]:
    """Pids of redis-server processes serving `redis_dir`: the pid file's, if it is one, and
    any other whose working directory it is (a server from before pid files)."""
    folder = redis_dir.resolve()
    found = set()
    with contextlib.suppress(OSError, ValueError):
        found.add(int((folder / PIDFILE).read_text().strip()))
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            found.add(int(entry.name))
    return sorted(pid for pid in found if pid != os.getpid() and _serves(pid, folder))


def _serves(pid: int, folder: Path) -> bool:
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return False
    return comm.startswith("redis-server") and Path(cwd) == folder


def stop_stale(redis_dir: Path, timeout: float = 30) -> list[int]:
    """Stop every server left on `redis_dir`: SIGTERM (Redis saves its data and exits), wait,
    SIGKILL only if it does not stop in `timeout` seconds. Returns their pids."""
    stale = servers_on(redis_dir)
    for pid in stale:
        log.warning(
            "a Redis left by an earlier run (pid %d) serves %s; stopping it", pid, redis_dir
        )
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    for pid in stale:
        if not wait_gone(pid, timeout):
            log.warning("Redis pid %d did not stop in %.0f s; killing it", pid, timeout)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_gone(pid, 10)
    return stale


def wait_gone(pid: int, timeout: float) -> bool:
    """Whether process `pid` (not our child) ended within `timeout` seconds."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except OSError:  # no pidfd (old kernel): look now and then
        deadline = time.monotonic() + timeout
        while _alive(pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return False


class EmbeddedRedis:
    """The run's Redis as a supervised child: the same folder, port and password at every
    start, so the other processes reconnect to it after a restart."""

    def __init__(self, folder: Path, log_path: Path, keep_fds: tuple[int, ...] = ()) -> None:
        stop_stale(folder)  # never two servers on one append-only file
        self.folder, self.log_path, self.keep_fds = folder, log_path, keep_fds
        self.password = password(folder)
        self.port = redis_server.free_port()
        self.child = Child("redis", self._spawn, None, log_path, stop_timeout=60)
        self.url = f"redis://:{quote(self.password, safe='')}@127.0.0.1:{self.port}/0"
        self.shown_url = f"redis://127.0.0.1:{self.port}/0"

    def _spawn(self) -> subprocess.Popen[bytes]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        server = redis_server.start(
            self.folder,
            self.port,
            password=self.password,
            log_path=self.log_path,
            preexec_fn=tie_to(os.getpid()),
            pass_fds=self.keep_fds,
        )
        return server.process

    def start(self) -> None:
        self.child.start()
