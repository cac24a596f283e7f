"""What a page's summary no longer shows, filled in before a poll diffs it: the final state of
each open incident that left the summary (the adapter's `resolve`), and the incidents that
opened and closed between two polls (or behind a failed one), read from the page's history
since the state's `news_since`, at most HISTORY_LIMIT back. For a page with a state to diff
against (monitor.poll).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.adapters.base import Adapter, Getter, history_urls, recent_incidents
from monitor.model import Snapshot
from monitor.pages import PageConfig
from monitor.reads import Reads
from monitor.state import PageState

HISTORY_LIMIT = timedelta(days=1)  # after a long outage of ours, look back no further


def backfill(
    adapter: Adapter, page: PageConfig, prev: PageState, snap: Snapshot, get: Getter, now: datetime
) -> None:
    """Add to `snap.incidents` what the summary left out, fetching with `get`: each URL once,
    the history's URLs side by side (monitor.reads)."""
    missing = [i for i in prev.open_incident_ids() if i not in snap.incidents]
    news_since = prev.news_since if snap.complete else None
    reads = Reads(get)
    if news_since:
        reads.start(history_urls(adapter, page))
    try:
        if missing:
            snap.incidents.update(adapter.resolve(page, missing, reads, now))
        if news_since:
            # Opened and closed between two polls (or behind a failed one): never in a
            # summary we read, still in the page's history.
            since = max(datetime.fromisoformat(news_since), now - HISTORY_LIMIT)
            for inc in recent_incidents(adapter, page, reads, since).values():
                if inc.id not in snap.incidents and inc.id not in prev.incidents:
                    snap.incidents[inc.id] = inc
    finally:
        reads.wait()
