"""`statusmon parse` and `check` on the inputs a user gets wrong: no such file, a body no
platform serves, a --kind the body only half fits, an endpoint beside the summary, and a
history whose closed incidents are not "open"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli.main import main
from tests.paths import FIXTURES
from tests.support.pageserver import PageServer

ORDER = "incidentio, statuspage, instatus, betterstack, slack, gcp, aws, feed"


def parse(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["parse", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_TZ", "UTC")


def test_a_missing_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "summary.json"
    assert parse(capsys, str(missing)) == (
        1,
        "",
        f"statusmon: cannot read {missing}: No such file or directory\n",
    )


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"hello": "world"}', "a JSON shape none of them serves"),
        (b"<html><body>Just a moment...</body></html>", "not JSON, nor an RSS/Atom feed"),
    ],
)
def test_a_body_no_platform_reads_is_refused_with_the_platforms_tried(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes, why: str
) -> None:
    saved = tmp_path / "body"
    saved.write_bytes(body)
    code, out, err = parse(capsys, str(saved))
    assert (code, out) == (1, "")
    assert err.startswith(f"statusmon: no known platform reads this ({ORDER}): {why}")


def test_a_kind_whose_marks_the_body_lacks_is_refused_with_the_missing_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = json.loads(
        (FIXTURES / "statuspage" / "github-summary-incident-2022-11-25.json").read_bytes()
    )
    summary["page"]["id"] = "github"  # not Statuspage's 12-character id: no platform's marks
    saved = tmp_path / "summary.json"
    saved.write_text(json.dumps(summary))
    code, out, err = parse(capsys, "--kind", "statuspage", str(saved))
    assert (code, out) == (1, "")
    assert err == (
        "statusmon: not Atlassian Statuspage's summary.json: no 12-character page id or "
        "status indicator: not Atlassian Statuspage\n"
    )


def test_the_named_kind_and_the_detected_one_print_the_same_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    slack = str(FIXTURES / "more" / "slack" / "current-active-notifications-2020-07-30.json")
    detected = parse(capsys, slack)
    assert detected == parse(capsys, "--kind", "slack", slack)
    assert detected[0] == 0 and detected[1].count("\n") == 8


def test_a_feed_url_that_answers_statuspage_incidents_json_says_what_it_is(
    pages: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    incidents = (
        FIXTURES / "more" / "statuspage" / "github-incidents-json-two-resolved-2024-09-17.json"
    )
    pages.set("/api/v2/incidents.json", incidents.read_bytes())
    assert main(["check", f"{pages.url}/api/v2/incidents.json"]) == 1
    err = capsys.readouterr().err
    assert (
        "feed: not an RSS/Atom feed: this is Statuspage's incidents.json, not summary.json: "
        "point the page at the status page's home URL"
    ) in err


def test_check_counts_only_the_open_incidents_of_a_history(
    pages: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    history = FIXTURES / "more" / "gcp" / "incidents-json-full-history-157-closed-2022-07-03.json"
    pages.set("/incidents.json", history.read_bytes())
    assert main(["check", pages.url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Platform: gcp"
    assert lines[1].endswith(" components, 0 open incidents/maintenances)")
