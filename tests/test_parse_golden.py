"""`statusmon parse` on every real Statuspage and incident.io capture prints the checked lines.

The golden files were checked by hand against the payloads: GitHub's newest update
(15:50:04, investigating, Pages + Packages) and Packages' partial outage (updated 15:50:05);
OpenAI's Sora "Video generation" impact (since 2025-04-01 06:30) and its monitoring update.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.paths import FIXTURES, GOLDEN, ROOT

CASES = [
    ("statuspage", "GitHub", "statuspage/github-summary-incident-2022-11-25.json"),
    ("statuspage", "Claude", "statuspage/claude-summary-all-operational-2026-09-03.json"),
    ("statuspage", "Example", "statuspage/webhook-component-update-zulip.json"),
    ("statuspage", "Example", "statuspage/webhook-incident-created-zulip.json"),
    ("statuspage", "Example", "statuspage/webhook-incident-atlassian-docs-example.json"),
    ("incidentio", "OpenAI", "incidentio/openai-proxy-summary-2025-04-10.json"),
]


def statusmon(*args: str, tz: str = "UTC") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MONITOR_TZ": tz}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


def test_every_statuspage_and_incidentio_capture_has_a_golden_file() -> None:
    captured = {p.name for d in ("statuspage", "incidentio") for p in (FIXTURES / d).glob("*.json")}
    assert captured == {c[2].split("/")[1] for c in CASES}


@pytest.mark.parametrize(("kind", "name", "capture"), CASES, ids=[c[2] for c in CASES])
def test_parse_prints_the_golden_lines_for_a_real_capture(
    kind: str, name: str, capture: str
) -> None:
    done = statusmon("parse", "--kind", kind, "--name", name, str(FIXTURES / capture))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (GOLDEN / (capture.split("/")[1] + ".txt")).read_text()


def test_parse_shows_times_in_the_configured_zone() -> None:
    done = statusmon(
        "parse",
        "--kind",
        "incidentio",
        "--name",
        "OpenAI",
        str(FIXTURES / CASES[-1][2]),
        tz="America/Los_Angeles",
    )
    assert done.stdout.splitlines()[0] == (
        "[2025-03-31 23:30:00] Product: OpenAI Sora - Video generation"
    )


def test_parse_with_a_kind_the_file_contradicts_names_the_platform_it_looks_like() -> None:
    done = statusmon("parse", "--kind", "incidentio", str(FIXTURES / CASES[0][2]))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        "statusmon: this is Atlassian Statuspage's summary.json, not incidentio: "
        "use --kind statuspage, or no --kind\n"
    )
