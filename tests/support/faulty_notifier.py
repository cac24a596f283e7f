"""A real notifier that kills itself (SIGKILL: no cleanup, no acknowledgement) right after one
step of monitor.notify's delivery, once per marker file. The next notifier started hands the
unacknowledged task back as it starts (workers/notify_broker.py), as in production.

    python -m tests.support.faulty_notifier STEP MARKER <celery arguments of the notifier>
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from monitor.cli import processes


def argv(step: str, marker: Path, env: dict[str, str]) -> list[str]:
    """The production notifier's command, started through this module."""
    celery = processes.command("notifier", env)[len(processes.CELERY) - len(processes.APP) :]
    return [sys.executable, "-m", "tests.support.faulty_notifier", step, str(marker), *celery]


def main() -> None:
    step, marker, *celery = sys.argv[1:]
    from celery.__main__ import main as celery_main

    from workers.runtime import RuntimeTask

    def fault(task: RuntimeTask, done: str) -> None:
        if done == step and not os.path.exists(marker):
            Path(marker).touch()
            os.kill(os.getpid(), signal.SIGKILL)

    RuntimeTask.fault = fault  # type: ignore[method-assign]
    sys.argv = ["celery", *celery]
    celery_main()


if __name__ == "__main__":
    main()
