"""docker-compose.yml hands each service only what it reads: no shared env_file of every
secret for everyone; each secret reaches the one or two services that use it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from monitor.cli import processes
from tests.paths import ROOT

WEBHOOK_SECRETS = "webhook-secrets.env"


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return {name: compose["services"][name] for name in processes.NAMES}


def env_files(service: dict[str, Any]) -> list[str]:
    files = service.get("env_file") or []
    files = [files] if isinstance(files, str | dict) else files
    return [f["path"] if isinstance(f, dict) else f for f in files]


def test_no_service_is_handed_the_whole_env_file(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert ".env" not in env_files(service), name


def test_webhook_secrets_go_only_to_the_services_that_read_pages_yaml(
    services: dict[str, dict[str, Any]],
) -> None:
    given = {name for name, service in services.items() if WEBHOOK_SECRETS in env_files(service)}
    reads_pages = {name for name, s in services.items() if "MONITOR_PAGES" in s["environment"]}
    assert given == reads_pages == {"web", "beat", "notifier", "deliverer"}  # channels: routed, sent
    assert WEBHOOK_SECRETS in (ROOT / ".dockerignore").read_text().split()


@pytest.mark.parametrize(
    ("variable", "owner"), [("FLOWER_BASIC_AUTH", "flower"), ("METRICS_TOKEN", "web")]
)
def test_each_secret_reaches_only_its_service(
    services: dict[str, dict[str, Any]], variable: str, owner: str
) -> None:
    assert {name for name, s in services.items() if variable in s["environment"]} == {owner}


def test_every_service_knows_where_redis_is_and_how_to_log(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        assert {"REDIS_URL", "LOG_LEVEL", "LOG_FORMAT"} <= set(service["environment"]), name
