"""One `statusmon run` per data folder: an flock on `<data>/run.lock`, which holds the pid.

The kernel drops the lock when its holder dies, however it dies: a crashed run never blocks
the next one. The file descriptor is not inherited by children (Python's default).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "run.lock"


class AlreadyRunning(Exception):
    def __init__(self, data_dir: Path, pid: int | None) -> None:
        who = f"pid {pid}" if pid else "another process"
        super().__init__(
            f"another statusmon run ({who}) is using the data folder {data_dir}; stop it first"
            " or set MONITOR_DATA to another folder"
        )
        self.pid = pid


class RunLock:
    def __init__(self, fd: int, path: Path) -> None:
        self.fd, self.path = fd, path

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the only descriptor drops the flock
            self.fd = -1


def acquire(data_dir: str | Path) -> RunLock:
    """The data folder's lock, or AlreadyRunning naming the process that holds it."""
    data = Path(data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    path = data / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        os.close(fd)
        raise AlreadyRunning(data, holder) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return RunLock(fd, path)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
