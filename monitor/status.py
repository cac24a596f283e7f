"""One status vocabulary: the normalized component statuses, their one order, their words.

Every adapter maps its provider's raw value onto these (FORMATS.md §6). The order is how bad
a status is, best first, and serves every comparison: the worst wins when several sources
speak of one component (AWS, GCP, Slack), and a page's `min_severity` filter keeps what
reaches its floor. `unknown` (a value we cannot read) sits above planned maintenance and below
any outage; a filter never hides it, since it may be anything.
"""

from __future__ import annotations

OPERATIONAL = "operational"
MAINTENANCE = "maintenance"
UNKNOWN = "unknown"
DEGRADED = "degraded"
PARTIAL_OUTAGE = "partial_outage"
MAJOR_OUTAGE = "major_outage"

# Best to worst: the one ordering.
ORDER = (OPERATIONAL, MAINTENANCE, UNKNOWN, DEGRADED, PARTIAL_OUTAGE, MAJOR_OUTAGE)
RANK = {status: i for i, status in enumerate(ORDER)}
FLOORS = (DEGRADED, PARTIAL_OUTAGE, MAJOR_OUTAGE)  # what a filter's min_severity may name

# An incident's declared impact on the same scale (Statuspage: none|minor|major|critical).
IMPACT_RANK = {
    "none": RANK[OPERATIONAL],
    "maintenance": RANK[MAINTENANCE],
    "minor": RANK[DEGRADED],
    "major": RANK[PARTIAL_OUTAGE],
    "critical": RANK[MAJOR_OUTAGE],
}

WORDS = {
    OPERATIONAL: "Operational",
    MAINTENANCE: "Under Maintenance",
    UNKNOWN: "Unknown",
    DEGRADED: "Degraded Performance",
    PARTIAL_OUTAGE: "Partial Outage",
    MAJOR_OUTAGE: "Major Outage",
}


def rank(status: str) -> int:
    """How bad `status` is; a value outside the vocabulary counts as unknown."""
    return RANK.get(status, RANK[UNKNOWN])


def worst(statuses: list[str]) -> str:
    return max(statuses, key=rank, default=OPERATIONAL)


def reaches(status: str, floor: str) -> bool:
    """`status` is at least as bad as `floor`; unknown always is (it may be anything)."""
    return rank(status) >= RANK[floor] or rank(status) == RANK[UNKNOWN]
