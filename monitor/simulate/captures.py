"""The real captures the simulated pages are built from (../shared/fixtures, see its README).

Templates are kept as JSON text and parsed per page: cheaper than deepcopy for 10,000 pages.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CLAUDE = "statuspage/claude-summary-all-operational-2026-09-03.json"
GITHUB = "statuspage/github-summary-incident-2022-11-25.json"
HOOK_INCIDENT = "statuspage/webhook-incident-created-zulip.json"
HOOK_COMPONENT = "statuspage/webhook-component-update-zulip.json"
OPENAI = "incidentio/openai-proxy-summary-2025-04-10.json"


def fixtures_dir() -> Path:
    shared = os.environ.get("STATUSMON_SHARED")
    return (Path(shared) if shared else ROOT.parent / "shared") / "fixtures"


@dataclass(frozen=True)
class Templates:
    statuspage_summary: str  # Claude, all operational
    statuspage_incident: str  # GitHub's incident, without its updates
    statuspage_update: str  # GitHub's newest update
    hook_incident: str  # Zulip's incident webhook, meta + page
    hook_component: str  # Zulip's component webhook
    incidentio_summary: str  # OpenAI's proxy summary, nothing ongoing
    incidentio_incident: str  # OpenAI's ongoing incident, without its updates
    incidentio_update: str

    def parse(self, name: str) -> Any:
        return json.loads(getattr(self, name))


@cache
def templates(folder: Path | None = None) -> Templates:
    root = folder or fixtures_dir()

    def load(relative: str) -> Any:
        path = root / relative
        if not path.exists():
            raise FileNotFoundError(f"{path}: capture missing (set STATUSMON_SHARED?)")
        return json.loads(path.read_text(encoding="utf-8"))

    github = load(GITHUB)["incidents"][0]
    update = github.pop("incident_updates")[0]
    openai = load(OPENAI)
    ongoing = openai["summary"]["ongoing_incidents"][0]
    io_update = ongoing.pop("updates")[0]
    openai["summary"].update(ongoing_incidents=[], affected_components=[])
    return Templates(
        statuspage_summary=_dump(load(CLAUDE)),
        statuspage_incident=_dump(github),
        statuspage_update=_dump(update),
        hook_incident=_dump(load(HOOK_INCIDENT)),
        hook_component=_dump(load(HOOK_COMPONENT)),
        incidentio_summary=_dump(openai),
        incidentio_incident=_dump(ongoing),
        incidentio_update=_dump(io_update),
    )


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
