"""The `webhook:` section of pages.yaml, typed at start-up; a bad one names file, page and field."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from monitor.config import load_pages
from monitor.pages import ConfigError
from monitor.registry import page_to_json
from monitor.settings import WebSettings, load_settings
from monitor.signing import standard_key
from monitor.webhook_config import parse_webhook_section
from tests.support.web import STANDARD_SECRET, TOKEN, write_pages


def page(webhook: Any) -> dict[str, Any]:
    return {
        "id": "github",
        "name": "GitHub",
        "url": "https://www.githubstatus.com",
        "webhook": webhook,
    }


def problems_of(tmp_path: Path, webhook: Any) -> list[str]:
    with pytest.raises(ConfigError) as failed:
        load_pages(write_pages(tmp_path, [page(webhook)]))
    return failed.value.problems


def test_a_page_without_a_webhook_section_takes_no_webhooks(tmp_path: Path) -> None:
    [loaded] = load_pages(write_pages(tmp_path, [page(None)]))
    assert loaded.webhook is None


def test_a_signed_section_reads_its_secrets_from_yaml_files_and_the_environment(
    tmp_path: Path,
) -> None:
    pad = "-" + "x" * 32  # every secret is at least 32 bytes
    (tmp_path / "one").write_text("from-a-file" + pad + "\n")
    (tmp_path / "two").write_text("from-a-FILE-var" + pad)
    env = {"HOOK_A": "from-env" + pad, "HOOK_B_FILE": str(tmp_path / "two")}
    raw = {
        "secrets": ["literal" + pad],
        "secret_files": [str(tmp_path / "one")],
        "secret_env": ["HOOK_A", "HOOK_B"],
    }
    problems: list[str] = []
    config = parse_webhook_section(raw, problems, env)
    assert problems == []
    assert config is not None and config.mode == "hmac"
    expected = ("literal", "from-a-file", "from-env", "from-a-FILE-var")
    assert config.secrets.values_ == tuple((name + pad).encode() for name in expected)


def test_a_standard_webhooks_section_holds_the_decoded_keys(tmp_path: Path) -> None:
    [loaded] = load_pages(
        write_pages(tmp_path, [page({"scheme": "standard", "secrets": [STANDARD_SECRET]})])
    )
    assert loaded.webhook is not None and loaded.webhook.mode == "standard"
    assert loaded.webhook.secrets.values_ == (standard_key(STANDARD_SECRET),)
    assert loaded.webhook.tolerance == 300


def test_an_unsigned_section_holds_its_path_token_and_provider_page_id(tmp_path: Path) -> None:
    raw = {"unsigned": True, "provider_page_id": "kctbh9vrtdwd", "secrets": [TOKEN]}
    [loaded] = load_pages(write_pages(tmp_path, [page(raw)]))
    assert loaded.webhook is not None
    assert loaded.webhook.mode == "unsigned"
    assert loaded.webhook.provider_page_id == "kctbh9vrtdwd"
    assert loaded.webhook.secrets.values_ == (TOKEN.encode(),)


def test_a_page_stored_for_the_workers_carries_no_secret(tmp_path: Path) -> None:
    [loaded] = load_pages(
        write_pages(tmp_path, [page({"secrets": ["hunter2-hunter2-hunter2-hunter2-hunter2"]})])
    )
    stored = page_to_json(loaded)
    assert "hunter2" not in stored and "hunter2" not in repr(loaded)
    assert json.loads(stored)["webhook"] is None  # workers never need the webhook settings


@pytest.mark.parametrize(
    ("webhook", "expected"),
    [
        ({}, "field 'webhook.secrets': a signed page needs a secret"),
        ({"secrets": []}, "field 'webhook.secrets': a signed page needs a secret"),
        ("yes", "field 'webhook': expected a mapping"),
        ({"scheme": "sha1", "secrets": ["s"]}, "field 'webhook.scheme': 'sha1' is not one of"),
        ({"secrets": "s"}, "field 'webhook.secrets': expected a list of non-empty strings"),
        ({"secrets": ["s"], "colour": 1}, "field 'webhook.colour': unknown field"),
        ({"secrets": ["s"], "tolerance": 0}, "field 'webhook.tolerance': 0 must be whole"),
        ({"secrets": ["s"], "unsigned": "no"}, "field 'webhook.unsigned': 'no' must be true"),
        (
            {"scheme": "standard", "secrets": ["whsec_!!"]},
            "field 'webhook.secrets[0]': not a Standard Webhooks secret",
        ),
        (
            {"unsigned": True, "secrets": [TOKEN]},
            "field 'webhook.provider_page_id': required for an unsigned page",
        ),
        (
            {"unsigned": True, "provider_page_id": "x"},
            "field 'webhook.secrets': an unsigned page needs a path token",
        ),
        (
            {"unsigned": True, "provider_page_id": "x", "secrets": ["short"]},
            "field 'webhook.secrets[0]': a path token must be 16-256",
        ),
        (
            {"unsigned": True, "provider_page_id": "x", "secrets": [TOKEN], "scheme": "hmac"},
            "field 'webhook.scheme': an unsigned page has no signature scheme",
        ),
        (
            {"secret_files": ["/nonexistent/secret"]},
            "field 'webhook.secret_files[0]': cannot read /nonexistent/secret",
        ),
        (
            {"secret_env": ["STATUSMON_TEST_UNSET_VARIABLE"]},
            "field 'webhook.secret_env[0]': environment variable STATUSMON_TEST_UNSET_VARIABLE",
        ),
    ],
)
def test_a_bad_section_fails_naming_file_page_and_field(
    tmp_path: Path, webhook: Any, expected: str
) -> None:
    problems = problems_of(tmp_path, webhook)
    where = f"{tmp_path / 'pages.yaml'}: page 'github': "
    assert any(p.startswith(where + expected) for p in problems), problems


def test_a_problem_never_shows_the_secret(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, {"scheme": "standard", "secrets": ["whsec_s3cr3t!value"]})
    assert problems and not any("s3cr3t" in p for p in problems)


def test_the_web_settings_default_to_one_mebibyte_and_120_a_minute() -> None:
    settings = load_settings({"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert settings.web == WebSettings()
    assert (settings.web.max_bytes, settings.web.rate_limit) == (1 << 20, "120/minute")
    assert settings.broker_url == settings.redis_url


def test_the_web_settings_read_the_webhook_environment() -> None:
    env = {
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "MONITOR_PAGES": "/etc/statusmon/pages.yaml",
        "WEBHOOK_MAX_BYTES": "4096",
        "WEBHOOK_RATE_LIMIT": "10/second",
        "HEALTH_STALE_AFTER": "90",
    }
    settings = load_settings(env)
    assert (settings.pages_path, settings.web.max_bytes) == ("/etc/statusmon/pages.yaml", 4096)
    assert (settings.web.rate_limit, settings.web.stale_after) == ("10/second", 90.0)


def test_bad_web_settings_are_all_named() -> None:
    env = {
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "WEBHOOK_MAX_BYTES": "1MB",
        "WEBHOOK_RATE_LIMIT": "lots",
        "HEALTH_STALE_AFTER": "0",
    }
    with pytest.raises(ConfigError) as failed:
        load_settings(env)
    named = [p.split(":")[0] for p in failed.value.problems]
    assert named == ["WEBHOOK_MAX_BYTES", "WEBHOOK_RATE_LIMIT", "HEALTH_STALE_AFTER"]


def whsec(size: int) -> str:
    return "whsec_" + base64.b64encode(bytes(range(size))).decode()


@pytest.mark.parametrize("scheme", ["hmac", "github"])
@pytest.mark.parametrize(
    ("secret", "field"),
    [("x" * 31, "secrets[0]"), (" " * 40, "secrets[0]"), ("  " + "y" * 31 + "\t", "secrets[0]")],
    ids=["31-bytes", "whitespace", "31-bytes-in-whitespace"],
)
def test_a_signing_secret_under_32_bytes_is_refused_naming_its_field(
    tmp_path: Path, scheme: str, secret: str, field: str
) -> None:
    problems = problems_of(tmp_path, {"scheme": scheme, "secrets": [secret]})
    where = f"{tmp_path / 'pages.yaml'}: page 'github': field 'webhook.{field}': "
    assert problems == [
        where + "a signing secret needs at least 32 bytes (e.g. openssl rand -hex 32)"
    ]


def test_a_short_secret_from_the_environment_is_named_by_its_field_not_shown() -> None:
    problems: list[str] = []
    raw = {"scheme": "github", "secret_env": ["HOOK"]}
    assert parse_webhook_section(raw, problems, {"HOOK": "short-s3cr3t"}) is None
    assert problems == [
        "field 'webhook.secret_env[0]': a signing secret needs at least 32 bytes (e.g. openssl rand -hex 32)"
    ]


@pytest.mark.parametrize("scheme", ["hmac", "github"])
def test_a_signing_secret_of_32_bytes_is_enough(scheme: str) -> None:
    problems: list[str] = []
    config = parse_webhook_section({"scheme": scheme, "secrets": ["z" * 32]}, problems, {})
    assert problems == [] and config is not None
    assert config.secrets.values_ == (b"z" * 32,)


def test_a_standard_webhooks_key_under_24_bytes_is_refused(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, {"scheme": "standard", "secrets": [whsec(23)]})
    assert [p.split("page 'github': ")[1] for p in problems] == [
        "field 'webhook.secrets[0]': a whsec_ key must decode to at least 24 bytes"
    ]
    assert not any(whsec(23)[6:] in p for p in problems)


@pytest.mark.parametrize("size", [24, 32, 64])
def test_a_standard_webhooks_key_of_24_bytes_or_more_is_taken(size: int) -> None:
    problems: list[str] = []
    config = parse_webhook_section({"scheme": "standard", "secrets": [whsec(size)]}, problems, {})
    assert problems == [] and config is not None
    assert config.secrets.values_ == (bytes(range(size)),)


def test_the_replay_window_and_metrics_token_default_to_a_day_and_none() -> None:
    web = load_settings({"REDIS_URL": "redis://127.0.0.1:1/0"}).web
    assert (web.replay_window, web.metrics_token) == (86400, None)
    env = {
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "WEBHOOK_REPLAY_WINDOW": "3600",
        "METRICS_TOKEN": "0123456789abcdef",
    }
    web = load_settings(env).web
    assert (web.replay_window, web.metrics_token) == (3600, "0123456789abcdef")
    assert "0123456789abcdef" not in repr(web)
    blank = load_settings({"REDIS_URL": "redis://127.0.0.1:1/0", "METRICS_TOKEN": "  "}).web
    assert blank.metrics_token is None


def test_a_bad_replay_window_or_short_metrics_token_is_named_never_shown() -> None:
    env = {
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "WEBHOOK_REPLAY_WINDOW": "1d",
        "METRICS_TOKEN": "tiny-t0ken",
    }
    with pytest.raises(ConfigError) as failed:
        load_settings(env)
    assert failed.value.problems == [
        "WEBHOOK_REPLAY_WINDOW: '1d' must be whole seconds ≥ 1",
        "METRICS_TOKEN: must be at least 16 characters",
    ]
