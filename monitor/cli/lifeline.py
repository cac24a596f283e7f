"""Children that die with `statusmon run`, even when it is killed with SIGKILL (Linux).

`tie_to(os.getpid())` is a Popen `preexec_fn`: between fork and exec it asks the kernel
(prctl PR_SET_PDEATHSIG) to send the child SIGTERM when the thread that forked it dies, so a
Celery process does its warm shutdown (and stops its prefork pool), Redis saves and exits,
gunicorn stops its workers. The setting survives exec. If the parent died before the prctl,
the child exits at once. `statusmon run` forks every child from its main thread: the signal
follows that thread, not the process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def supported() -> bool:
    return sys.platform.startswith("linux")


def tie_to(parent: int, sig: int = signal.SIGTERM) -> Callable[[], None]:
    """A preexec_fn: the child gets `sig` when `parent` (this process) dies."""

    def tie() -> None:
        if supported():
            _libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the prctl took effect
            os._exit(1)

    return tie
