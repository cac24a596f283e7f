"""Which platform serves a status page: try each adapter's summary URL, richest first.

A page must never be read through the wrong adapter, so:
- incident.io's `/proxy/<host>` is tried first: incident.io pages also answer a reduced
  Statuspage `summary.json` (`{page, status, components}`, ULID ids, no `incidents`), and
  that answer is never taken as Statuspage, whatever the order.
- An answer must carry its platform's marks, not merely parse: Statuspage's `incidents`,
  `status.indicator` and 12-character page id, Instatus's upper-case statuses, Better Stack's
  `type: status_page`, Slack's `ok | active`, a non-empty Google Cloud history. An RSS/Atom
  feed (`history.atom`, which Statuspage and incident.io pages serve too) is the last resort.
- A richer platform that fails transiently (429, 5xx) blocks the poorer ones after it: "try
  again" rather than a page read through the wrong door. A host that gives no HTTP answer at
  all ends the probe at once (every summary URL is on the same host).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import requests

from monitor.adapters import get_adapter
from monitor.adapters.jsonshape import loads
from monitor.errors import FetchError, ParseError
from monitor.model import Snapshot
from monitor.pages import PageConfig
from monitor.request import get

ORDER = ("incidentio", "statuspage", "instatus", "betterstack", "slack", "gcp", "aws", "feed")
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_CODE = re.compile(r"^[a-z0-9]{12}$")  # Statuspage's page and component ids


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
            foreign = _foreign(kind, body)
            if foreign:
                raise ParseError(foreign)
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


def _foreign(kind: str, body: bytes) -> str | None:
    """Why a body that parsed is still not `kind`'s own page; None when it is."""
    check = _MARKS.get(kind)
    return check(loads(body, kind)) if check else None


def _statuspage(data: Any) -> str | None:
    page_id, status = data["page"].get("id"), data.get("status")
    ids = [page_id, *(c.get("id") for c in data["components"])]
    if any(isinstance(i, str) and _ULID.match(i) for i in ids) or "incidents" not in data:
        return (
            "a reduced Statuspage-compatible summary.json (ULID ids, no incidents), "
            "as incident.io pages serve: not Atlassian Statuspage"
        )
    if not (isinstance(page_id, str) and _CODE.match(page_id)) or not (
        isinstance(status, dict) and isinstance(status.get("indicator"), str)
    ):
        return "no 12-character page id or status indicator: not Atlassian Statuspage"
    return None


def _instatus(data: Any) -> str | None:
    statuses = [c.get("status") for c in data.get("components") or []]
    if all(isinstance(s, str) and s == s.upper() for s in statuses):
        return None
    return "lower-case component statuses: not Instatus"


def _betterstack(data: Any) -> str | None:
    kind = (data.get("data") or {}).get("type")
    return None if kind == "status_page" else f"data.type is {kind!r}, not 'status_page'"


def _slack(data: Any) -> str | None:
    status = data.get("status")
    return None if status in ("ok", "active") else f"status {status!r} is not ok or active"


def _gcp(data: Any) -> str | None:
    return None if data else "an empty incident list, not Google Cloud's incident history"


_MARKS: dict[str, Callable[[Any], str | None]] = {
    "statuspage": _statuspage,
    "instatus": _instatus,
    "betterstack": _betterstack,
    "slack": _slack,
    "gcp": _gcp,
}
