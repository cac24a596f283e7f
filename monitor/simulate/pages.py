"""Build N simulated pages on K hosts (ports of one address, loopback unless told), and the
pages.yaml that monitors them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from monitor.simulate.captures import templates
from monitor.simulate.incidentio import IncidentIoPage, IncidentIoShapes
from monitor.simulate.statuspage import StatuspagePage, StatuspageShapes
from monitor.simulate.world import SimPage


@dataclass(frozen=True)
class Layout:
    pages: int = 1
    incidentio_every: int = 0  # every k-th page is incident.io (0: none, 1: all)
    host: str = "127.0.0.1"  # the address the simulator listens on
    url_host: str = ""  # the host name in page URLs and pages.yaml ("": `host`)
    webhook_every: int = 1  # every k-th page sends webhooks (with a URL), if on Statuspage
    # The Statuspage pages' component names, in the capture's order (empty: the capture's own,
    # a real vendor's; `statusmon demo` gives fictional ones).
    component_names: tuple[str, ...] = ()

    def kind(self, n: int) -> str:
        k = self.incidentio_every
        return "incidentio" if k and n % k == k - 1 else "statuspage"

    def webhooks(self, n: int) -> bool:
        k = self.webhook_every
        return bool(k) and n % k == 0 and self.kind(n) == "statuspage"

    @staticmethod
    def page_id(n: int) -> str:
        return f"sim{n:05d}"


def build_pages(layout: Layout, ports: list[int]) -> list[SimPage]:
    """Page n lives at http://<url host>:<ports[n % K]>/p/<n>: one port is one host."""
    t = templates()
    statuspage = StatuspageShapes(t, layout.component_names)
    incidentio = IncidentIoShapes(t) if layout.incidentio_every else None
    pages: list[SimPage] = []
    for n in range(layout.pages):
        base = f"http://{layout.url_host or layout.host}:{ports[n % len(ports)]}/p/{n}"
        page_id, name = layout.page_id(n), f"Sim {n}"
        if layout.kind(n) == "incidentio":
            assert incidentio is not None
            pages.append(IncidentIoPage(incidentio.new_model(n, page_id), incidentio, name, base))
        else:
            pages.append(StatuspagePage(statuspage.new_model(n, page_id), statuspage, name, base))
    return pages


def pages_yaml(
    pages: list[SimPage], interval: int, layout: Layout, token: str | None = None
) -> str:
    """With a token, pages that send webhooks take them: unsigned, the token in the path."""
    rows: list[dict[str, Any]] = []
    for p in pages:
        row: dict[str, Any] = {"id": p.model.page_id, "name": p.name, "url": p.base}
        row.update(kind=p.kind, interval=interval)
        if token and layout.webhooks(p.model.n):
            provider_page_id = getattr(p, "provider_id", None)
            hook = {"unsigned": True, "provider_page_id": provider_page_id, "secrets": [token]}
            row["webhook"] = hook
        rows.append(row)
    return yaml.safe_dump({"pages": rows}, sort_keys=False)
