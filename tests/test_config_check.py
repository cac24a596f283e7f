"""`statusmon config check`: pages.yaml and the environment, one line per problem, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli.config_check import check, main
from monitor.config import load_pages
from tests.paths import ROOT

PAGES = ROOT / "pages.yaml"


def test_the_shipped_pages_file_and_a_production_environment_pass() -> None:
    env = {
        "REDIS_URL": "redis://:pw@redis:6379/0",
        "FLOWER_BASIC_AUTH": "ops:secret,viewer:other",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "warning",
        "POLL_POOL": "prefork",
        "POLL_CONCURRENCY": "16",
        "PORT": "8080",
    }
    assert check(env, PAGES) == []
    assert check({}, PAGES) == []  # nothing set: the defaults, and an embedded Redis


def test_every_problem_of_the_pages_file_and_the_environment_is_listed(tmp_path: Path) -> None:
    bad = tmp_path / "pages.yaml"
    bad.write_text("pages:\n  - id: x\n    name: X\n    interval: fast\n")
    env = {
        "MONITOR_TZ": "Mars/Olympus",
        "REDIS_URL": "http://cache:6379/0",
        "FLOWER_BASIC_AUTH": "admin",
        "LOG_FORMAT": "xml",
        "POLL_POOL": "gevent",
        "WEB_CONCURRENCY": "0",
        "FLOWER_PORT": "99999",
    }
    assert check(env, bad) == [
        f"{bad}: page 'x': field 'url': required, a non-empty string",
        f"{bad}: page 'x': field 'interval': 'fast' must be whole seconds ≥ 5",
        "MONITOR_TZ: 'Mars/Olympus' is not a known time zone (e.g. UTC, Europe/Paris)",
        "REDIS_URL: 'http://cache:6379/0': scheme must be one of redis://, rediss://, unix://",
        "FLOWER_BASIC_AUTH: expected user:password (several separated by commas); "
        "Flower does not start without it",
        "LOG_FORMAT: 'xml' is not one of text, json",
        "POLL_POOL: 'gevent' is not one of threads, prefork, solo",
        "WEB_CONCURRENCY: '0' must be a whole number from 1 to 1024",
        "FLOWER_PORT: '99999' must be a whole number from 1 to 65535",
    ]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "redis://:hunter2@cache:6379/x",
            "'redis://:***@cache:6379/x': database 'x' must be a number (e.g. /0)",
        ),
        (
            "redis://:hunter2@cache:port/0",
            "'cache:port/0': Port could not be cast to integer value as 'port'",
        ),
        ("redis:///0", "'redis:///0': no host (e.g. redis://redis:6379/0)"),
        ("unix://", "'unix://': unix:// needs a socket path"),
    ],
)
def test_redis_url_problems_never_show_the_password(url: str, problem: str) -> None:
    assert check({"REDIS_URL": url}, PAGES) == [f"REDIS_URL: {problem}"]


def test_redis_urls_redis_py_accepts_pass() -> None:
    for url in ("redis://redis", "rediss://u:p@h:6380/2", "unix:///run/redis.sock"):
        assert check({"REDIS_URL": url}, PAGES) == []


def test_main_prints_one_line_per_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert main({"MONITOR_PAGES": str(missing), "FLOWER_BASIC_AUTH": "x:"}) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"statusmon: {missing}: file not found",
        "statusmon: FLOWER_BASIC_AUTH: expected user:password (several separated by commas); "
        "Flower does not start without it",
    ]


def test_main_reports_the_page_count_when_all_is_well(capsys: pytest.CaptureFixture[str]) -> None:
    assert main({"MONITOR_PAGES": str(PAGES)}) == 0
    assert capsys.readouterr().out == f"{PAGES}: {len(load_pages(PAGES))} pages OK\n"
