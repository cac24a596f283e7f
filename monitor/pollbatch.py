"""A batch of due pages polled with their Redis work shared: one round trip `begin`s them all
(back-off check, page lock, validators: monitor.pollstore), their GETs overlap on the fetch
threads, and the `finish`es go in waves: the polls that ended within LINGER of the first one
still open are finished in one round trip. A 304 poll in a batch of N costs about 2 / N round
trips instead of 2, and a page's lock is held at most LINGER (plus one round trip) past its
own poll, so an ingest waiting on it is not held up by the batch's slowest host."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait

from monitor.pages import PageConfig
from monitor.poll import Emit, Poller, PollResult, begin_urls
from monitor.pollstore import Begun

log = logging.getLogger("statusmon.poll")

LINGER = 0.02  # seconds a finished poll may wait for others to share its `finish` round trip

Outcome = PollResult | Exception  # an exception: a bug the page's data triggered


def poll_batch(
    poller: Poller, pages: list[PageConfig], emit_for: Callable[[str], Emit], pool: Executor
) -> dict[str, Outcome]:
    """Each page's result (or the exception its poll raised, logged: it fails that page
    only, its lock released and its poll not counted), by page id."""
    starts = [(page.id, page.host, begin_urls(page)) for page in pages]
    begun = poller.scripts.begin_many(starts, time.time()) if starts else []
    out: dict[str, Outcome] = {}
    running: dict[Future[PollResult], tuple[PageConfig, Begun]] = {}
    for page, b in zip(pages, begun, strict=True):
        skipped = poller.skipped(b)
        if skipped is not None:
            out[page.id] = skipped
        else:
            running[pool.submit(poller.run_locked, page, emit_for(page.id), b)] = (page, b)
    pending = set(running)
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            if pending:
                more, pending = wait(pending, timeout=LINGER)
                done |= more
            _finish(poller, [(*running[f], f) for f in done], out)
    finally:  # a `finish` raised (Redis gone): the polls still out are not finished here
        for f in pending:  # so their locks are no longer renewed (monitor.lease)
            poller.scripts.leases.drop(running[f][1].token)
    return out


def _finish(
    poller: Poller,
    ended: list[tuple[PageConfig, Begun, Future[PollResult]]],
    out: dict[str, Outcome],
) -> None:
    """One wave of polls that ended: one `finish` round trip for all of them."""
    rows = []
    for page, b, f in ended:
        exc = f.exception()
        rows.append((page, b, exc, None if exc else f.result()))
    held = poller.scripts.finish_many([poller.ending(p, b, result) for p, b, _, result in rows])
    for (page, b, exc, result), ours in zip(rows, held, strict=True):
        poller.ended(page, b, result, ours)
        if result is not None:
            out[page.id] = result
        elif isinstance(exc, Exception):
            log.error("page %s: poll failed", page.id, exc_info=exc, extra={"page_id": page.id})
            out[page.id] = exc
        else:  # KeyboardInterrupt and the like: the locks of this wave are released
            raise exc or RuntimeError("a poll ended with neither result nor exception")
