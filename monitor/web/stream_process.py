"""The gunicorn master's stream process (monitor/web/streamer.py): made before the workers,
started again if it exits, stopped with the master (monitor/web/gunicorn_conf.py's hooks).

The master makes the inbox, a SOCK_SEQPACKET socket pair: the workers it forks inherit one
end (its number in STATUSMON_STREAM_FD, monitor/web/handoff.py), the stream process gets the
other. The master keeps both: a stream process started again reads the same inbox, and
connections handed over while it was down are still there. The child runs in a session of its
own (its nice value then lowers its own autogroup, monitor/priority.py) and on a lifeline
(monitor/cli/lifeline.py): it ends with the master, even a killed one.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading

from monitor.cli.lifeline import tie_to
from monitor.web.handoff import FD_ENV

log = logging.getLogger("statusmon.stream")
BACKOFF = (1.0, 2.0, 5.0, 10.0)  # seconds before each start again; then every 10 s


class StreamProcess:
    def __init__(self) -> None:
        self.inbox, self.workers_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.workers_end.set_inheritable(True)
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    def start(self) -> None:
        os.environ[FD_ENV] = str(self.workers_end.fileno())  # the workers forked after see it
        self.child = self._spawn()
        threading.Thread(target=self._watch, name="stream-process", daemon=True).start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        fd = self.inbox.fileno()
        argv = [sys.executable, "-m", "monitor.web.stream_main", str(fd)]
        env = {k: v for k, v in os.environ.items() if k != FD_ENV}
        return subprocess.Popen(  # the master's own stdout and stderr: its log lines with the web's
            argv, env=env, pass_fds=(fd,), start_new_session=True, preexec_fn=tie_to(os.getpid())
        )

    def _watch(self) -> None:
        failures = 0
        while self.child is not None:
            code = self.child.wait()
            if self.stopping.is_set():
                return
            pause = BACKOFF[min(failures, len(BACKOFF) - 1)]
            log.warning("the stream process exited (%s); starting it again in %gs", code, pause)
            if self.stopping.wait(pause):
                return
            failures += 1
            self.child = self._spawn()

    def stop(self, timeout: float = 3.0) -> None:
        self.stopping.set()
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
