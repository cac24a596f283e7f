"""gunicorn's own log lines (start-up, worker boots, access log) in statusmon's format.

`statusmon proc web` passes `--logger-class monitor.web.weblog.GunicornLogger`: gunicorn's loggers
keep their levels but lose their handlers and propagate to the root handler that
monitor.logs sets up (stderr, text or JSON, secrets redacted).
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from monitor.logs import setup_logging
from monitor.settings import load_settings


class GunicornLogger(Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        setup_logging(str(cfg.loglevel).upper(), load_settings().log_format)
        for log in (self.error_log, self.access_log):
            log.handlers[:] = []
            log.propagate = True
