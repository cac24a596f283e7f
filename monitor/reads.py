"""A poll's follow-up reads (monitor.backfill): each URL read at most once per poll, and those
known in advance read side by side.

A changed Statuspage poll reads the page's history (incidents.json, then
scheduled-maintenances.json) before it emits anything, and reads incidents.json once more when
an incident left the summary: one network round trip after the other, each added to the
detection lag. `start` reads URLs on threads of their own while the caller goes on; whoever
asks for a URL gets its body, or the exception its read raised, as if it had read it itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future, wait

from monitor.adapters.base import Getter


class Reads:
    """A Getter over `get` for one poll (one thread asks; `start`ed reads run beside it)."""

    def __init__(self, get: Getter) -> None:
        self._get = get
        self._reads: dict[str, Future[bytes | None]] = {}

    def start(self, urls: Iterable[str]) -> None:
        """Read each of `urls` not read yet, each on a thread of its own."""
        for url in urls:
            if url not in self._reads:
                future: Future[bytes | None] = Future()
                self._reads[url] = future
                threading.Thread(
                    target=self._read, args=(url, future), name="statusmon-read", daemon=True
                ).start()

    def __call__(self, url: str) -> bytes | None:
        future = self._reads.get(url)
        if future is None:
            future = self._reads[url] = Future()
            self._read(url, future)
        return future.result()

    def wait(self) -> None:
        """Until every read started has ended: none outlives its poll."""
        wait(self._reads.values())

    def _read(self, url: str, future: Future[bytes | None]) -> None:
        future.set_running_or_notify_cancel()
        try:
            future.set_result(self._get(url))
        except BaseException as exc:  # handed to whoever asks for the URL
            future.set_exception(exc)
