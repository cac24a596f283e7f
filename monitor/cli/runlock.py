"""One `statusmon run` per data folder: an flock on `<data>/run.lock`, which holds the pid.

The run's children inherit the locked descriptor (`RunLock.fd`, in Popen's pass_fds), so the
folder stays locked until the last process of a run has ended, not only its supervisor: a run
killed with SIGKILL leaves its children a moment to stop (they die with it), and the next run
waits for them instead of starting a second set beside them. The kernel drops the lock when
its last holder dies, however it dies: a crashed run never blocks the next one for good.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from pathlib import Path

LOCK_NAME = "run.lock"
LEFTOVER_WAIT = 60.0  # seconds to wait for the processes of a run that ended to stop

log = logging.getLogger("statusmon.run")


class AlreadyRunning(Exception):
    def __init__(self, data_dir: Path, pid: int | None, holders: list[int]) -> None:
        if pid is not None and pid in holders:
            what = f"another statusmon run (pid {pid}) is using the data folder {data_dir}"
        else:
            pids = ", ".join(str(p) for p in holders if p != os.getpid()) or "unknown"
            what = (
                f"processes of an earlier run (pids {pids}) still hold the data folder {data_dir}"
            )
        super().__init__(f"{what}; stop it first or set MONITOR_DATA to another folder")
        self.pid, self.holders = pid, holders


class RunLock:
    def __init__(self, fd: int, path: Path) -> None:
        self.fd, self.path = fd, path

    def release(self) -> None:
        """Our descriptor; children that inherited it hold the lock until they end."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def acquire(data_dir: str | Path, wait: float = LEFTOVER_WAIT) -> RunLock:
    """The data folder's lock. Held by a live run: AlreadyRunning at once, naming it. Held
    by what is left of a run that ended: wait up to `wait` seconds for it to stop."""
    data = Path(data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    path = data / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    said = False
    while not _try_lock(fd):
        holder, still = _read_pid(fd), holders(path)
        if holder in still or time.monotonic() > deadline:  # a run, or leftovers that stay
            os.close(fd)
            raise AlreadyRunning(data, holder, still)
        if not said:
            log.warning("the processes of an earlier run are still stopping; waiting for them")
            said = True
        time.sleep(0.1)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return RunLock(fd, path)


def holders(path: Path) -> list[int]:
    """Pids of the processes that have `path` open (from /proc)."""
    target, found = str(path.resolve()), []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fds = os.scandir(f"/proc/{entry.name}/fd")
            with fds:
                if any(_link(f.path) == target for f in fds):
                    found.append(int(entry.name))
    return sorted(found)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _link(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
