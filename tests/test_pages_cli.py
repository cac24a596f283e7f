"""`statusmon pages catalog` and `statusmon pages add`, run as a user runs them.

Until cli.py wires `pages_cli.add_parsers` into `statusmon`, the same commands run through
`python -m monitor.cli.pages`; switch CLI to `-m monitor` once it does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from monitor import keys, store
from monitor.cli.catalog import load_catalog
from monitor.cli.pages_file import append_page
from monitor.config import load_pages
from monitor.pages import ConfigError, PageConfig
from tests.paths import ROOT
from tests.support.pageserver import PageServer
from tests.support.scenarios import IncidentIoStory, StatuspageStory, compatible_summary

CLI = [sys.executable, "-m", "monitor"]
CATALOG = load_catalog()
MINE = """\
# the pages I watch
pages:
  - id: github            # the one that matters
    name: GitHub
    url: https://www.githubstatus.com
    kind: statuspage

# more to come
"""
TOGETHER = """\
  - id: together
    name: Together AI
    url: https://status.together.ai
    kind: betterstack
"""


def statusmon(pages_file: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "MONITOR_PAGES": str(pages_file), "REDIS_URL": "", **env},
        cwd=ROOT,
        timeout=60,
    )


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    path = tmp_path / "pages.yaml"
    path.write_text(MINE, encoding="utf-8")
    return path


def test_add_by_catalog_id_appends_one_block_and_keeps_every_byte_of_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pages.yaml"
    original = (ROOT / "pages.yaml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    done = statusmon(path, "pages", "add", "together")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"Added together (Together AI, betterstack, every 60s): https://status.together.ai to {path}\n"
    )
    assert path.read_text(encoding="utf-8") == original + TOGETHER
    assert [p.id for p in load_pages(path)][-2:] == ["atlassian", "together"]


def test_add_by_catalog_name_takes_an_id_a_name_and_an_interval(mine: Path) -> None:
    done = statusmon(
        mine,
        "pages",
        "add",
        "Together AI",
        "--id",
        "tgt",
        "--name",
        "Together: API #1",
        "--interval",
        "30",
    )
    assert done.returncode == 0, done.stderr
    assert mine.read_text(encoding="utf-8") == MINE + (
        "  - id: tgt\n"
        '    name: "Together: API #1"\n'
        "    url: https://status.together.ai\n"
        "    kind: betterstack\n"
        "    interval: 30\n"
    )
    assert load_pages(mine)[-1] == PageConfig(
        "tgt", "Together: API #1", "https://status.together.ai", "betterstack", 30
    )


def test_add_by_url_probes_the_page_and_stores_the_detected_kind(
    mine: Path, pages: PageServer
) -> None:
    story = IncidentIoStory()
    pages.set_json(f"/proxy/{pages.host}", story.summary("operational"))
    pages.set_json("/api/v2/summary.json", compatible_summary(story.real))
    done = statusmon(mine, "pages", "add", pages.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Added openai (OpenAI, incidentio, every 60s): {pages.url} to {mine}\n"
    assert mine.read_text(encoding="utf-8") == MINE + (
        f"  - id: openai\n    name: OpenAI\n    url: {pages.url}\n    kind: incidentio\n"
    )


def test_add_by_url_of_a_statuspage_page_names_it_after_the_page(
    mine: Path, pages: PageServer
) -> None:
    pages.set_json("/api/v2/summary.json", StatuspageStory().summary())
    done = statusmon(mine, "pages", "add", pages.url + "/", "--name", "Anthropic Claude")
    assert done.returncode == 0, done.stderr
    assert load_pages(mine)[-1] == PageConfig(
        "anthropic-claude", "Anthropic Claude", pages.url + "/", "statuspage"
    )


def test_a_duplicate_id_is_refused_and_the_file_is_unchanged(mine: Path) -> None:
    done = statusmon(mine, "pages", "add", "claude", "--id", "github")
    assert done.returncode == 2
    assert done.stderr == (
        f"statusmon: {mine}: a page with id 'github' is already there "
        "(https://www.githubstatus.com); pick another with --id\n"
    )
    assert mine.read_text(encoding="utf-8") == MINE


@pytest.mark.parametrize("target", ["github", "https://WWW.githubstatus.com/"])
def test_a_page_already_monitored_is_refused_and_the_file_is_unchanged(
    mine: Path, target: str
) -> None:
    done = statusmon(mine, "pages", "add", target, "--id", "other")
    assert done.returncode == 2
    assert done.stderr.startswith(f"statusmon: {mine}: https://")
    assert done.stderr.endswith(" is already monitored, as page 'github'\n")
    assert mine.read_text(encoding="utf-8") == MINE


@pytest.mark.parametrize(
    "target", ["ftp://status.example.com", "no-such-vendor", "https://exa mple.com"]
)
def test_a_bad_url_is_refused_and_the_file_is_unchanged(mine: Path, target: str) -> None:
    done = statusmon(mine, "pages", "add", target)
    assert done.returncode == 2
    assert done.stderr == (
        f"statusmon: {target!r} is neither a catalog id or name (see `statusmon pages catalog`) "
        "nor an http(s) URL of a status page\n"
    )
    assert mine.read_text(encoding="utf-8") == MINE


def test_an_unreachable_page_is_refused_and_the_file_is_unchanged(mine: Path) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    done = statusmon(mine, "pages", "add", f"http://127.0.0.1:{port}")
    assert done.returncode == 1
    assert done.stderr == (
        f"statusmon: 127.0.0.1:{port} did not answer: connection refused by 127.0.0.1:{port}\n"
    )
    assert "Traceback" not in done.stderr
    assert mine.read_text(encoding="utf-8") == MINE


def test_a_page_no_platform_recognizes_is_refused_and_the_file_is_unchanged(
    mine: Path, pages: PageServer
) -> None:
    pages.set("/api/v2/summary.json", "<html>Just a moment...</html>")
    done = statusmon(mine, "pages", "add", pages.url)
    assert done.returncode == 1
    assert done.stderr.startswith("statusmon: no known platform answered: incidentio: ")
    assert "statuspage: " in done.stderr and "an HTML page" in done.stderr
    assert mine.read_text(encoding="utf-8") == MINE


def test_an_invalid_id_is_refused_by_the_pages_file_validation(mine: Path) -> None:
    done = statusmon(mine, "pages", "add", "together", "--id", "Not An Id")
    assert done.returncode == 2
    assert done.stderr == (
        f"statusmon: {mine}: page 'Not An Id': field 'id': 'Not An Id' must be lower-case letters, digits, - or _\n"
    )
    assert mine.read_text(encoding="utf-8") == MINE
    assert [p.name for p in mine.parent.iterdir()] == ["pages.yaml"]  # no temporary file left


def test_add_creates_the_pages_file_when_there_is_none(tmp_path: Path) -> None:
    path = tmp_path / "pages.yaml"
    done = statusmon(path, "pages", "add", "slack")
    assert done.returncode == 0, done.stderr
    assert path.read_text(encoding="utf-8") == (
        "pages:\n  - id: slack\n    name: Slack\n    url: https://slack-status.com\n    kind: slack\n"
    )


def test_add_loads_the_page_into_the_running_system_when_redis_url_is_set(
    mine: Path, r: store.Redis, redis_url: str
) -> None:
    done = statusmon(mine, "pages", "add", "together", REDIS_URL=redis_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(f"to {mine}; loaded into the running system\n")
    assert set(r.hkeys(keys.PAGES)) == {"github", "together"}
    assert r.zscore(keys.SCHEDULE, "together") is not None


def test_the_catalog_is_a_table_of_id_name_platform_and_url(tmp_path: Path) -> None:
    done = statusmon(tmp_path / "pages.yaml", "pages", "catalog", "--category", "ai")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "PLATFORM", "URL"]
    assert "openai      OpenAI       incidentio   https://status.openai.com" in lines
    assert "together    Together AI  betterstack  https://status.together.ai" in lines
    assert [line.split()[0] for line in lines[1:]] == [e.id for e in CATALOG if e.category == "ai"]
    every = statusmon(tmp_path / "pages.yaml", "pages", "catalog").stdout.splitlines()
    assert [line.split()[0] for line in every[1:]] == [e.id for e in CATALOG]


# The text edit itself: the new block goes after the last page, whatever surrounds the list.

PAGE = PageConfig("new", "New", "https://status.new.example", "statuspage")


def test_a_section_after_the_pages_stays_after_them() -> None:
    text = "pages:\n- id: a\n  name: A\n  url: https://a.example\n\n# settings\nextra: 1\n"
    assert append_page(text, PAGE) == (
        "pages:\n- id: a\n  name: A\n  url: https://a.example\n"
        "- id: new\n  name: New\n  url: https://status.new.example\n  kind: statuspage\n"
        "\n# settings\nextra: 1\n"
    )


def test_a_section_right_after_the_last_page_stays_after_it() -> None:
    text = (
        "pages:\n  - id: a\n    name: A\n    url: https://a.example\n    # its comment\nextra: 1\n"
    )
    assert append_page(text, PAGE) == (
        "pages:\n  - id: a\n    name: A\n    url: https://a.example\n    # its comment\n"
        "  - id: new\n    name: New\n    url: https://status.new.example\n    kind: statuspage\n"
        "extra: 1\n"
    )
    text = text.replace("    # its comment\n", "")
    assert append_page(text, PAGE).endswith("kind: statuspage\nextra: 1\n")


def test_windows_line_endings_and_a_missing_final_newline_are_kept() -> None:
    text = "pages:\r\n  - id: a\r\n    name: A\r\n    url: https://a.example"
    assert append_page(text, PAGE) == text + (
        "\r\n  - id: new\r\n    name: New\r\n    url: https://status.new.example\r\n    kind: statuspage\r\n"
    )


def test_a_top_level_list_and_an_empty_pages_key_both_take_the_page() -> None:
    assert (
        yaml.safe_load(append_page("- id: a\n  name: A\n  url: https://a.example\n", PAGE))[1]["id"]
        == "new"
    )
    assert append_page("# none yet\npages:   # soon\n", PAGE) == (
        "# none yet\npages:   # soon\n  - id: new\n    name: New\n    url: https://status.new.example\n"
        "    kind: statuspage\n"
    )


def test_a_flow_style_list_is_not_rewritten_the_block_to_paste_is_given() -> None:
    with pytest.raises(ConfigError) as caught:
        append_page("pages: []\n", PAGE)
    assert caught.value.problems[-1] == (
        "  - id: new\n    name: New\n    url: https://status.new.example\n    kind: statuspage"
    )


def test_a_folder_where_no_file_may_be_created_is_a_clear_error_not_a_traceback() -> None:
    # /sys takes no new files, whoever asks (root included): like a read-only mount in a container
    done = statusmon(Path("/sys/pages.yaml"), "pages", "add", "claude")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("statusmon: /sys: cannot write the new pages file here (")
    assert "Traceback" not in done.stderr and "STATUSMON_UID" in done.stderr
    assert not Path("/sys/pages.yaml").exists()
