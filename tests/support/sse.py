"""A Server-Sent Events client for tests: one connection, frames parsed as they arrive, read on
a thread of its own so a test waits for a frame with a timeout."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Frame:
    id: str | None = None
    event: str = "message"
    data: list[str] = field(default_factory=list)
    at: float = 0.0  # time.monotonic() when it was complete

    def json(self) -> Any:
        return json.loads("\n".join(self.data))


class SSEClient:
    def __init__(self, port: int, path: str = "/api/v1/stream", **headers: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", path, headers={"Accept": "text/event-stream", **headers})
        self.response = self.conn.getresponse()
        self.frames: queue.Queue[Frame] = queue.Queue()
        self.ready = threading.Event()  # the server's first frame (retry:) arrived
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        current = Frame()
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line.startswith("retry:"):
                    self.ready.set()
                elif line.startswith("id:"):
                    current.id = line[3:].strip()
                elif line.startswith("event:"):
                    current.event = line[6:].strip()
                elif line.startswith("data:"):
                    current.data.append(line[5:].lstrip())
                elif not line and (current.data or current.id):
                    current.at = time.monotonic()
                    self.frames.put(current)
                    current = Frame()
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            return  # closed

    def next(self, timeout: float = 10) -> Frame:
        return self.frames.get(timeout=timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self.conn.sock.shutdown(2)  # type: ignore[union-attr]
        self.conn.close()
