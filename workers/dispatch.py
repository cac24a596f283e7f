"""The notifier's hand-off of printed events to the `deliver` queue, off its console path.

Publishing a Celery task cost the notifier ~0.7 ms of CPU per event (the message, its headers,
the broker round trip): five times the rest of its work for the channels (routing and the
mark, ~0.15 ms; measured by bench.channels). So the notifier only puts (channels, dedup key) on
an in-process queue and goes on to its next line; one thread publishes what gathered within
WINDOW as a single `deliver_events` task. Under a burst a task carries many events; at a
trickle each goes alone, at most WINDOW later than it was printed.

Nothing is lost if the process dies with events still queued here, or a publish fails: their
deliveries were filed by the mark (monitor.eventlog) and the beat tick sends them after their
grace. A warm shutdown publishes what is still queued (`drain`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger("statusmon.tasks")
WINDOW = 0.05  # seconds the first event of a batch waits for others
MOST = 200  # events in one task at most

Item = tuple[list[str], str]  # the channels that want an event, its dedup key


class Dispatcher:
    """Gathers events and publishes each batch with `publish`, on its own thread."""

    def __init__(
        self, publish: Callable[[list[Item]], object], window: float = WINDOW, most: int = MOST
    ) -> None:
        self.publish, self.window, self.most = publish, window, most
        self._queue: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def add(self, channels: list[str], dedup_key: str) -> None:
        """Queue an event for its channels (none: nothing to do); never blocks, never raises
        for the broker."""
        if not channels:
            return
        self._queue.put((list(channels), dedup_key))
        if self._thread is None:
            with self._lock:
                if self._thread is None:  # started by the first event: only the notifier has it
                    self._thread = threading.Thread(target=self._run, name="dispatch", daemon=True)
                    self._thread.start()

    def gather(self) -> list[Item]:
        """The next batch: waits for one event, then up to `window` for more."""
        batch = [self._queue.get()]
        end = time.monotonic() + self.window
        while len(batch) < self.most:
            left = end - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=left))
            except queue.Empty:
                break
        return batch

    def drain(self) -> list[Item]:
        """Take every queued event at once, without waiting (at shutdown)."""
        found = []
        while True:
            try:
                found.append(self._queue.get_nowait())
            except queue.Empty:
                return found

    def _run(self) -> None:
        while True:
            batch = self.gather()
            try:
                self.publish(batch)
            except Exception as exc:  # filed by the mark: the tick sends them after their grace
                log.warning("%d events: deliveries left to the tick (%s)", len(batch), exc)
