"""Platform adapters behind a registry: one module per platform, one line here to register it.

Each adapter module's docstring is its data sheet (endpoint, webhooks, conditional GET, dedup
key); what an adapter is: monitor.adapters.base.
"""

from __future__ import annotations

from monitor.adapters import (
    aws,
    betterstack,
    feed,
    gcp,
    incidentio,
    instatus,
    slack,
    statuspage,
)
from monitor.adapters.base import Adapter

_REGISTRY: dict[str, Adapter] = {
    a.name: a
    for a in (
        statuspage.ADAPTER,
        incidentio.ADAPTER,
        instatus.ADAPTER,
        betterstack.ADAPTER,
        gcp.ADAPTER,
        aws.ADAPTER,
        slack.ADAPTER,
        feed.ADAPTER,
    )
}


def registry() -> dict[str, Adapter]:
    """Platform name -> adapter (a copy: the registry itself never changes)."""
    return dict(_REGISTRY)


def get_adapter(kind: str) -> Adapter:
    if kind not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"no adapter for platform {kind!r}; known: {known}")
    return _REGISTRY[kind]
