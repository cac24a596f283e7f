"""Which platform serves a status page: try each adapter's summary URL, richest first.

A page must never be read through the wrong adapter, so:
- incident.io's `/proxy/<host>` is tried first: incident.io pages also answer a reduced
  Statuspage `summary.json` (`{page, status, components}`, ULID ids, no `incidents`), and
  that answer is never taken as Statuspage, whatever the order.
- An answer must carry its platform's marks, not merely parse (monitor/adapters/marks.py:
  Statuspage's `incidents`, `status.indicator` and 12-character page id, Instatus's upper-case
  statuses, …). An RSS/Atom feed (`history.atom`, which Statuspage and incident.io pages serve
  too) is the last resort.
- A richer platform that fails transiently (429, 5xx) blocks the poorer ones after it: "try
  again" rather than a page read through the wrong door. A host that gives no HTTP answer at
  all ends the probe at once (every summary URL is on the same host).
"""

from __future__ import annotations

import requests

from monitor.adapters import get_adapter
from monitor.adapters.marks import ORDER, foreign
from monitor.errors import FetchError, ParseError
from monitor.model import Snapshot
from monitor.pages import PageConfig
from monitor.request import get

__all__ = ["ORDER", "ProbeError", "probe"]


class ProbeError(ParseError):
    """No platform could be chosen. `transient`: the same probe may succeed later."""


def probe(
    session: requests.Session, page: PageConfig, timeout: float, kinds: tuple[str, ...] = ORDER
) -> tuple[str, Snapshot]:
    reasons: list[str] = []
    blocked: str | None = None  # the first richer platform that failed transiently
    for kind in kinds:
        adapter = get_adapter(kind)
        url = adapter.summary_url(page)
        try:
            body = get(session, url, timeout, {}).body
            snap = adapter.parse(body, page)
            why = foreign(kind, body)
            if why:
                raise ParseError(why)
        except FetchError as exc:
            reasons.append(f"{kind}: {url}: {exc}")
            if not exc.transient:
                continue
            if exc.status is None:  # no HTTP answer at all
                raise ProbeError(f"{page.host} did not answer: {exc}", transient=True) from None
            blocked = blocked or kind
            continue
        except ParseError as exc:
            reasons.append(f"{kind}: {url}: {exc}")
            continue
        if blocked is not None:
            raise ProbeError(
                f"{kind} answered, but {blocked} (tried first) failed for now; try again, "
                f"or name the platform (--kind {kind}): " + "; ".join(reasons),
                transient=True,
            )
        return kind, snap
    raise ProbeError(
        "no known platform answered: " + "; ".join(reasons), transient=blocked is not None
    )
