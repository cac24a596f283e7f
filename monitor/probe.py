"""Which platform serves a status page: try each adapter's summary URL, richest first.

An incident.io page also answers a reduced Statuspage `summary.json`, so incident.io's
`/proxy/<host>` is tried first and wins when it parses.
"""

from __future__ import annotations

import requests

from monitor.adapters import get_adapter
from monitor.config import PageConfig
from monitor.fetch import FetchError, get
from monitor.model import ParseError, Snapshot

ORDER = ("incidentio", "statuspage")


def probe(
    session: requests.Session, page: PageConfig, timeout: float, kinds: tuple[str, ...] = ORDER
) -> tuple[str, Snapshot]:
    reasons = []
    for kind in kinds:
        adapter = get_adapter(kind)
        url = adapter.summary_url(page)
        try:
            return kind, adapter.parse(get(session, url, timeout, {}).content, page)
        except (FetchError, ParseError) as exc:
            reasons.append(f"{kind}: {url}: {exc}")
    raise ParseError("no known platform answered: " + "; ".join(reasons))
