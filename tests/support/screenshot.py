"""`make screenshot`: docs/board.png, the board of the whole system on simulated pages in the
middle of an incident, taken by the real Chromium the browser tests use.

    python -m tests.support.screenshot [PATH]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.support.browser import System, browser, system

WIDTH, HEIGHT = 1280, 900
SCENE: list[dict[str, Any]] = [
    {"do": "open", "page": 0, "incident": "a", "name": "Elevated error rates",
     "components": [0], "component_status": "partial_outage", "impact": "major",
     "body": "We are investigating elevated error rates on the API."},
    {"do": "update", "page": 0, "incident": "a", "status": "identified",
     "body": "A faulty deploy was identified; it is being rolled back."},
    {"do": "component", "page": 1, "component": 1, "status": "degraded_performance"},
    {"do": "maintenance", "page": 2, "maintenance": "m", "phase": "in_progress",
     "name": "Database upgrade", "components": [0], "body": "The upgrade is under way."},
]  # fmt: skip


def play(sim: System) -> None:
    for step in SCENE:
        sim.sim.apply(step)


def shoot(chromium: Any, url: str, path: Path, expect_text: str) -> None:
    """The board at `url` once it shows `expect_text`, as a PNG at `path`."""
    page = chromium.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(url)
        page.wait_for_function(
            "t => document.querySelector('.headline').textContent.includes(t)",
            arg=expect_text,
            timeout=60_000,
        )
        page.locator("#sum-sim00000").click()  # one page opened: its components and bars
        page.locator("#connection").filter(has_text="Live").wait_for(timeout=30_000)
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.close()


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/board.png")
    folder = Path(tempfile.mkdtemp(prefix="statusmon-shot-"))
    try:
        with system(folder) as running, browser() as chromium:
            play(running)
            shoot(chromium, running.url, out, "Initech Mail")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
