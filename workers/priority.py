"""The deliverer yields the CPU to the console path: it runs at a lower priority (nice).

On two cores, a burst's deliveries cost about three times the notifier's own work per event
(three channels; bench.channels): at equal priority they take CPU the notifier needs for its
lines. Lowered, they use what the notifier leaves, and catch up once the burst is printed:
delivery lag grows under load, the console does not wait. How far: DELIVER_NICE (default 5;
at 10, on this shared machine with a load of 12, the deliveries of 50 events/s lagged 6 s).

Linux groups the processes of a session (autogroup) and shares the CPU between the groups
first: a nice value counts only within its group. `statusmon run` starts each process in a
session of its own, so the deliverer also lowers its session's group: only when it leads that
session, never a shell's or a supervisor's group it shares.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from celery.signals import celeryd_init

from monitor import keys
from monitor.settings import load_settings

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


@celeryd_init.connect
def _deliverer_yields(options: dict[str, Any] | None = None, **_: Any) -> None:
    queues = (options or {}).get("queues") or []
    if isinstance(queues, str):
        queues = queues.split(",")
    if queues == [keys.DELIVER_QUEUE]:  # the deliverer (monitor/cli/processes.py)
        lower_priority(load_settings().deliver_nice)
