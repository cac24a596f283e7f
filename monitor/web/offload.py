"""CPU-bound work of the web process (building the board, rendering it) on real OS threads.

Under gunicorn's gevent worker every request, SSE client and webhook is a greenlet of one hub:
a greenlet that computes for 100 ms holds all of them for 100 ms. `os_threads(n)` returns an
offload that runs the work on a pool of `n` native threads (gevent's ThreadPool) while the
calling greenlet waits cooperatively, and the others keep being served. The hub gets the GIL
back within `SWITCH_INTERVAL` (the interpreter's switch interval, 5 ms by default, is lowered
once a pool is made: each socket call of the hub gives the GIL up, and with a busy thread
beside it every one would otherwise cost up to 5 ms to get it back). Outside a gevent-patched
process (tests, a plain WSGI server) the work runs on the caller's own thread.

Work run here must not use a gevent object of the hub's thread (a Redis connection of the
request side, a gevent lock another greenlet holds): the board builder has its own client.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from gevent import monkey
from gevent.threadpool import ThreadPool

T = TypeVar("T")
SWITCH_INTERVAL = 0.0005  # seconds


def os_threads(size: int) -> Callable[[Callable[[], T]], T]:
    if not monkey.is_module_patched("threading"):
        return _direct
    pools: list[ThreadPool] = []  # made on first use: in the worker, after gevent's patching

    def offload(work: Callable[[], T]) -> T:
        if not pools:
            sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
            pools.append(ThreadPool(size))
        result: T = pools[0].spawn(work).get()
        return result

    return offload


def _direct(work: Callable[[], T]) -> T:
    return work()
