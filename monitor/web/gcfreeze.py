"""A web worker moves what it holds once warm out of the garbage collector's sight.

A full collection walks every tracked object of the process with the GIL held: in a web
worker holding a 10,000-page board (its views, the memo, Flask, Jinja, gevent, redis-py) that
was 70-190 ms, stalling every request and stream of the worker that long (board `GET /` p99).
Once the worker's first board is built, `freeze_when_warm` collects once and freezes what is
left (`gc.freeze`): those objects are never walked again, and a full collection walks only
what was made since (they are still freed by reference counting when let go; only a cycle
among them would never be). Under gevent the waiting thread is a greenlet.
"""

from __future__ import annotations

import contextlib
import gc
import threading

from monitor.boardsource import BoardSource, BoardUnavailable


def freeze_when_warm(source: BoardSource) -> threading.Thread:
    def freeze() -> None:
        with contextlib.suppress(BoardUnavailable):  # Redis away: freeze what there is
            source.board()
        gc.collect()
        gc.freeze()

    waiting = threading.Thread(target=freeze, name="gc-freeze", daemon=True)
    waiting.start()
    return waiting
