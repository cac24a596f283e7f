"""gunicorn's hooks for the web process (`--config python:monitor.web.gunicorn_conf`): the
master starts the stream process before it forks the workers, and stops it when it exits
(monitor/web/stream_process.py)."""

from __future__ import annotations

from typing import Any

from monitor.web.stream_process import StreamProcess

_stream: list[StreamProcess] = []


def on_starting(server: Any) -> None:
    stream = StreamProcess()
    stream.start()
    _stream.append(stream)


def on_exit(server: Any) -> None:
    for stream in _stream:
        stream.stop()
