"""pages.yaml: good files load typed; bad files fail naming file, page and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_pages, parse_pages
from monitor.pages import ConfigError
from monitor.settings import load_settings
from tests.paths import ROOT


def problems_of(raw: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_pages(raw, "pages.yaml")
    return caught.value.problems


def test_the_shipped_pages_file_monitors_openai_on_incident_io() -> None:
    pages = {p.id: p for p in load_pages(ROOT / "pages.yaml")}
    assert pages["openai"].url == "https://status.openai.com"
    assert pages["openai"].kind == "incidentio"
    assert pages["openai"].labels.groups["APIs"] == "OpenAI API"
    assert {p.kind for p in pages.values()} == {"incidentio", "statuspage"}


def test_a_page_gets_the_default_interval_and_auto_detection() -> None:
    (page,) = parse_pages({"pages": [{"id": "gh", "name": "GitHub", "url": "https://x.io"}]}, "f")
    assert (page.interval, page.kind, page.host) == (60, None, "x.io")


def test_a_missing_field_is_named_with_file_and_page() -> None:
    assert problems_of([{"id": "gh", "name": "GitHub"}]) == [
        "pages.yaml: page 'gh': field 'url': required, a non-empty string"
    ]


def test_every_problem_is_reported_at_once() -> None:
    found = problems_of(
        [
            {"id": "Bad Id", "name": "X", "url": "ftp://x", "interval": 1, "kind": "nope"},
            {"id": "ok", "name": "Y", "url": "https://y", "colour": "red"},
        ]
    )
    kind = found.pop(2)
    assert kind.startswith("pages.yaml: page 'Bad Id': field 'kind': 'nope' is not one of ")
    assert "incidentio" in kind and "statuspage" in kind
    assert found == [
        "pages.yaml: page 'Bad Id': field 'id': 'Bad Id' must be lower-case letters, digits, - or _",
        "pages.yaml: page 'Bad Id': field 'url': 'ftp://x' is not an http(s) URL",
        "pages.yaml: page 'Bad Id': field 'interval': 1 must be whole seconds ≥ 5",
        "pages.yaml: page 'ok': field 'colour': unknown field",
    ]


def test_duplicate_page_ids_are_refused() -> None:
    page = {"id": "gh", "name": "GitHub", "url": "https://x.io"}
    assert problems_of([page, page]) == ["pages.yaml: page 'gh': field 'id': duplicate id 'gh'"]


def test_labels_must_map_names_to_strings() -> None:
    page = {"id": "o", "name": "O", "url": "https://o", "labels": {"groups": ["APIs"]}}
    assert problems_of([page]) == [
        "pages.yaml: page 'o': field 'labels.groups': expected a mapping of id or name to label"
    ]


def test_a_file_that_is_not_a_list_of_pages_is_refused() -> None:
    assert problems_of({"page": []}) == ["pages.yaml: expected a list of pages under 'pages:'"]


def test_a_missing_file_and_broken_yaml_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: file not found"):
        load_pages(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("pages: [\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML"):
        load_pages(broken)


def test_settings_are_read_from_the_environment_once_and_typed() -> None:
    s = load_settings(
        {
            "REDIS_URL": "redis://h:1/0",
            "MONITOR_TZ": "Europe/Paris",
            "LOG_LEVEL": "debug",
            "MONITOR_FETCH_TIMEOUT": "2.5",
            "POLL_BATCH": "5",
        }
    )
    assert (s.redis_url, s.tz.key, s.log_level, s.fetch_timeout, s.poll_batch) == (
        "redis://h:1/0",
        "Europe/Paris",
        "DEBUG",
        2.5,
        5,
    )


def test_bad_settings_name_each_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {
                "MONITOR_TZ": "Mars/Olympus",
                "LOG_LEVEL": "loud",
                "MONITOR_FORMAT": "xml",
                "MONITOR_DEDUP_TTL": "-1",
                "POLL_BATCH": "0",
                "POLL_FETCHERS": "2.5",
            }
        )
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "MONITOR_TZ",
        "LOG_LEVEL",
        "MONITOR_FORMAT",
        "MONITOR_DEDUP_TTL",
        "POLL_BATCH",
        "POLL_FETCHERS",
    ]


def test_a_worker_without_redis_url_is_told_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="REDIS_URL: not set"):
        _ = load_settings({}).broker_url
