"""The command line as a user meets it: check a live page, check the config, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor import keys
from monitor.adapters import get_adapter
from monitor.config import load_pages
from monitor.detect import diff
from monitor.output import render_text
from tests.paths import FIXTURES, ROOT
from tests.support.pageserver import PageServer
from tests.support.scenarios import IncidentIoStory, StatuspageStory


def statusmon(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "MONITOR_TZ": "UTC", **env},
        cwd=ROOT,
        timeout=60,
    )


def test_check_finds_a_statuspage_page_and_prints_its_state(pages: PageServer) -> None:
    story = StatuspageStory()
    pages.set_json("/api/v2/summary.json", story.summary("partial_outage", changed="08:00"))
    done = statusmon("check", pages.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Platform: statuspage",
        "Page: Claude (6 components, 0 open incidents/maintenances)",
        "  Claude API (api.anthropic.com): Partial Outage",
        "[2026-09-04 08:00:00] Product: Claude - Claude API (api.anthropic.com)",
        "Status: Partial Outage",
    ]


def test_check_prefers_incident_io_when_a_page_also_answers_summary_json(pages: PageServer) -> None:
    pages.set_json(f"/proxy/{pages.host}", IncidentIoStory().summary("operational"))
    pages.set_json(
        "/api/v2/summary.json",
        {
            "page": {"id": "01JMDK9XYNY6RXSED6SDWW50WY", "name": "OpenAI", "url": pages.url},
            "status": {"indicator": "none", "description": "All Systems Operational"},
            "components": [
                {
                    "id": "01JMXBRMFE6N2NNT7DG6XZQ6PW",
                    "name": "Chat",
                    "status": "operational",
                    "position": 1,
                    "updated_at": "2026-04-27T15:52:49Z",
                }
            ],
        },
    )
    done = statusmon("check", pages.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:3] == [
        "Platform: incidentio",
        "Page: OpenAI (37 components, 0 open incidents/maintenances)",
        "All components operational",
    ]


def test_check_of_a_page_no_platform_answers_says_why(pages: PageServer) -> None:
    pages.set("/api/v2/summary.json", "<html>Just a moment...</html>")
    done = statusmon("check", pages.url)
    assert done.returncode == 1
    assert done.stderr.startswith("statusmon: no known platform answered: incidentio: ")
    assert "statuspage: " in done.stderr and "an HTML page" in done.stderr
    assert "Traceback" not in done.stderr


def test_config_check_accepts_the_shipped_pages_file() -> None:
    done = statusmon("config", "check", MONITOR_PAGES=str(ROOT / "pages.yaml"))
    assert (done.returncode, done.stdout) == (
        0,
        "pages.yaml: 5 pages OK\n".replace("pages.yaml", str(ROOT / "pages.yaml")),
    )


def test_config_check_names_each_problem_on_its_own_line(tmp_path: Path) -> None:
    bad = tmp_path / "pages.yaml"
    bad.write_text("pages:\n  - id: x\n    name: X\n    interval: fast\n")
    done = statusmon("config", "check", MONITOR_PAGES=str(bad))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"statusmon: {bad}: page 'x': field 'url': required, a non-empty string",
        f"statusmon: {bad}: page 'x': field 'interval': 'fast' must be whole seconds ≥ 5",
    ]


def test_run_refuses_a_bad_pages_file_before_starting_anything(tmp_path: Path) -> None:
    bad = tmp_path / "pages.yaml"
    bad.write_text("pages: nope\n")
    done = statusmon("run", MONITOR_PAGES=str(bad), MONITOR_DATA=str(tmp_path / "data"))
    assert done.returncode == 2
    assert "expected a list of pages" in done.stderr
    assert not (tmp_path / "data").exists()


def test_json_format_prints_one_object_per_event() -> None:
    done = statusmon(
        "parse",
        "--kind",
        "statuspage",
        "--name",
        "GitHub",
        "--format",
        "json",
        str(FIXTURES / "statuspage/github-summary-incident-2022-11-25.json"),
    )
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert (first["kind"], first["status"], first["incident_id"], first["update_id"]) == (
        "incident",
        "investigating",
        "ljwdk6qml8z8",
        "k0x2s8g2plxb",
    )
    assert second == second | {
        "kind": "component",
        "status": "partial_outage",
        "status_raw": "partial_outage",
        "product": "GitHub - Packages",
        "status_text": "Partial Outage",
        "occurred_at": "2022-11-25T15:50:05.888000+00:00",
    }


def test_the_shipped_labels_reproduce_the_openai_product_line(tmp_path: Path) -> None:
    openai = next(p for p in load_pages(ROOT / "pages.yaml") if p.id == "openai")
    story = IncidentIoStory()
    body = json.dumps(
        story.summary(
            "degraded_performance",
            story.incident(
                "01X", "Slow", ("01U", "investigating", "Investigating degraded performance")
            ),
        )
    ).encode()
    snap = get_adapter("incidentio").parse(body, openai)
    events = diff(openai, "incidentio", None, snap, datetime.now(UTC)).events
    assert render_text(events[-1], ZoneInfo("UTC")) == (
        "[2026-09-04 11:00:00] Product: OpenAI API - Chat Completions\n"
        "Status: Investigating - Investigating degraded performance"
    )


def test_pages_sync_loads_the_pages_file_into_a_running_system(r, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    path = ROOT / "pages.yaml"
    done = statusmon("pages", "sync", MONITOR_PAGES=str(path), REDIS_URL=redis_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "added: atlassian, claude, cloudflare, github, openai\n"
        f"5 pages from {path} loaded into {redis_url} "
        "(5 added, 0 removed, 0 changed, 0 unchanged)\n"
    )
    assert sorted(r.hkeys(keys.PAGES)) == [
        "atlassian",
        "claude",
        "cloudflare",
        "github",
        "openai",
    ]
    assert r.zcard(keys.SCHEDULE) == 5


def test_pages_sync_says_which_pages_it_added_removed_and_changed(  # type: ignore[no-untyped-def]
    r, redis_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "pages.yaml"
    row = "  - {{id: {0}, name: {0}, url: 'https://{0}.example.com', kind: statuspage{1}}}\n"
    path.write_text("pages:\n" + row.format("a", "") + row.format("b", "") + row.format("c", ""))
    assert statusmon("pages", "sync", MONITOR_PAGES=str(path), REDIS_URL=redis_url).returncode == 0
    path.write_text(
        "pages:\n" + row.format("a", "") + row.format("b", ", interval: 300") + row.format("d", "")
    )
    done = statusmon("pages", "sync", MONITOR_PAGES=str(path), REDIS_URL=redis_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "added: d",
        "removed: c",
        "changed: b",
        f"3 pages from {path} loaded into {redis_url} (1 added, 1 removed, 1 changed, 1 unchanged)",
    ]
    assert sorted(r.hkeys(keys.PAGES)) == ["a", "b", "d"]
    assert r.hget(keys.INTERVALS, "b") == "300"
