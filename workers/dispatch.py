"""The notifier's hand-off of printed events to the `deliver` queue, off its console path.

Publishing a Celery task cost the notifier ~0.7 ms of CPU per event (the message, its headers,
the broker round trip): five times the rest of its work for the channels (routing and the
mark, ~0.15 ms; measured by bench.channels). So the notifier only puts (channels, dedup key) on
an in-process queue and goes on to its next line; one thread publishes what gathered within
WINDOW as a single `deliver_events` task. At a trickle each event goes alone, about WINDOW
after it was printed.

The console comes first: while events come at BUSY (200/s) or faster, over the window and
then over each STEP (the notifier is working through a burst), their deliveries wait until
the pace drops, HOLD at most, and go out then (in tasks of MOST events). A burst's
deliveries (three channels: an HTTP POST and two Redis round trips each) cost the machine
about twice the notifier's own work; sent beside it on two shared cores they took a third
of its throughput (69 % of the no-channel figure), and this version's cheaper deliveries
alone did not change that (65 %); held, 99 % (bench.channels' systems, 10 alternating
bursts of 300 each, load average 5 to 8 from other work). At the steady rates the lag
target is set for (50 events/s) nothing is held, nor for a clump of a few events printed
together: the deliverer's lower priority (DELIVER_NICE) keeps it out of the console's way
there. Under a burst that never ends, deliveries still go out once every HOLD.

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
STEP = 0.02  # seconds between looks at how fast events still come
BUSY = 200.0  # events a second, over the window and then each STEP: a burst, deliveries wait
HOLD = 1.0  # seconds a burst may hold its first event's deliveries at most
MOST = 200  # events in one task at most

Item = tuple[list[str], str]  # the channels that want an event, its dedup key


class Dispatcher:
    """Gathers events and publishes each batch with `publish`, on its own thread."""

    def __init__(
        self,
        publish: Callable[[list[Item]], object],
        window: float = WINDOW,
        most: int = MOST,
        hold: float = HOLD,
    ) -> None:
        self.publish, self.window, self.most, self.hold = publish, window, most, hold
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
        """The next events: waits for one, then `window` for more; if they came at BUSY or
        faster (the notifier is in a burst), on until a STEP sees them slow down or `hold` has
        passed since the first. The thread sleeps meanwhile: an event added wakes nothing."""
        first = self._queue.get()
        start = time.monotonic()
        time.sleep(self.window)
        seen = self._queue.qsize()
        busy = seen + 1 >= BUSY * self.window  # a clump of a few is not a burst
        while busy and time.monotonic() - start < self.hold:
            time.sleep(STEP)
            now = self._queue.qsize()
            busy, seen = now - seen >= BUSY * STEP, now
        return [first, *self.drain()]

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
            events = self.gather()
            for n in range(0, len(events), self.most):
                batch = events[n : n + self.most]
                try:
                    self.publish(batch)
                except Exception as exc:  # filed by the mark: the tick sends them after grace
                    log.warning("%d events: deliveries left to the tick (%s)", len(batch), exc)
