"""`python -m workers.flower_main -A workers.celery_app flower …`: Flower with statusmon's logging.

Celery's `celery` command, after monitor.logs has set up the root logger: Tornado then adds no
handler of its own, so Flower's lines are text or JSON (LOG_FORMAT) with secrets redacted,
like every other process. monitor/cli/processes.py starts Flower this way.
"""

from __future__ import annotations

from celery.__main__ import main

from monitor.logs import setup_logging
from monitor.settings import load_settings

if __name__ == "__main__":
    settings = load_settings()
    setup_logging(settings.log_level, settings.log_format)
    main()
