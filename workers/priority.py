"""The deliverer yields the CPU to the console path: it runs at a lower priority (nice).

On two cores, a burst's deliveries cost about three times the notifier's own work per event
(three channels; bench.channels): at equal priority they take CPU the notifier needs for its
lines. Lowered, they use what the notifier leaves, and catch up once the burst is printed:
delivery lag grows under load, the console does not wait. How far: DELIVER_NICE (default 5;
at 10, on this shared machine with a load of 12, the deliveries of 50 events/s lagged 6 s).

How it lowers itself (and its session's autogroup): monitor/priority.py.
"""

from __future__ import annotations

from typing import Any

from celery.signals import celeryd_init

from monitor import keys
from monitor.priority import lower_priority
from monitor.settings import load_settings


@celeryd_init.connect
def _deliverer_yields(options: dict[str, Any] | None = None, **_: Any) -> None:
    queues = (options or {}).get("queues") or []
    if isinstance(queues, str):
        queues = queues.split(",")
    if queues == [keys.DELIVER_QUEUE]:  # the deliverer (monitor/cli/processes.py)
        lower_priority(load_settings().deliver_nice)
