"""Statuspage components an incident names but the page's list lacks: Cloudflare's summary.json
as its author trimmed it (1 of ~hundreds of components kept), and written variants."""

from __future__ import annotations

import json
from typing import Any

from monitor.adapters.statuspage import ADAPTER
from monitor.pages import PageConfig
from tests.paths import FIXTURES

PAGE = PageConfig(id="cf", name="Cloudflare", url="https://www.cloudflarestatus.com")
CLOUDFLARE = (
    FIXTURES / "more" / "statuspage" / "cloudflare-summary-groups-maintenance-unicode-2026-09.json"
)


def cloudflare() -> Any:
    return json.loads(CLOUDFLARE.read_text(encoding="utf-8"))


def test_components_only_incidents_name_are_read_from_them_with_their_group() -> None:
    snap = ADAPTER.parse(CLOUDFLARE.read_bytes(), PAGE)
    warp, tunnel, gru = (
        snap.components[c] for c in ("bjvy4v384csg", "y98zlwj1d7zh", "73mbn78m0yzm")
    )
    assert (warp.name, warp.group_name, warp.status) == (
        "WARP",
        "Cloudflare Sites and Services",
        "degraded",
    )
    assert (tunnel.group_id, tunnel.group_name) == ("1km35smx8p41", "Cloudflare Sites and Services")
    assert (gru.name, gru.group_name, gru.status) == (
        "São Paulo, Brazil - (GRU)",
        "Latin America & the Caribbean",
        "maintenance",
    )
    assert snap.components["fvgfcmy66tdr"].name == "Replicate"  # the page's own list


def test_the_pages_own_list_wins_over_an_incidents_copy() -> None:
    data = cloudflare()
    row = data["incidents"][0]["components"][0]
    data["components"].append({**row, "name": "Tunnel (listed)", "status": "operational"})
    snap = ADAPTER.parse(json.dumps(data).encode(), PAGE)
    listed = snap.components[row["id"]]
    assert (listed.name, listed.status, listed.group_name) == (
        "Tunnel (listed)",
        "operational",
        None,
    )


def test_a_qualified_name_that_does_not_end_with_the_components_own_names_no_group() -> None:
    data = cloudflare()
    for update in data["incidents"][1]["incident_updates"]:
        for affected in update["affected_components"] or []:
            affected["name"] = "Something else entirely"
    snap = ADAPTER.parse(json.dumps(data).encode(), PAGE)
    assert snap.components["bjvy4v384csg"].group_name is None
