"""A process that yields the CPU to the console path runs at a lower priority (nice): the
deliverer (workers/priority.py) and the web process's stream process (monitor/web/streamer.py).

Linux groups the processes of a session (autogroup) and shares the CPU between the groups
first: a nice value counts only within its group. `statusmon run` starts each process in a
session of its own, so a lowered process also lowers its session's group: only when it leads
that session, never a shell's or a supervisor's group it shares.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

AUTOGROUP = Path("/proc/self/autogroup")  # "/autogroup-123 nice 0"


def lower_priority(by: int, autogroup: Path = AUTOGROUP) -> int:
    """Lower this process's priority by `by` (inherited by threads started after); returns
    its nice value now."""
    if by <= 0:
        return os.nice(0)
    with contextlib.suppress(OSError):
        os.nice(by)
    if os.getsid(0) == os.getpid():  # its own session: its group holds only this process
        with contextlib.suppress(OSError, ValueError, IndexError):
            now = int(autogroup.read_text().split("nice")[1])
            autogroup.write_text(str(min(19, now + by)))
    return os.nice(0)
