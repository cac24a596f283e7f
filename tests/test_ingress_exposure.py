"""What the web process shows of itself: /metrics only to its token (or, with none set, to
loopback clients), /health only ok/unhealthy per part, and no token or secret of pages.yaml in
any log line, even when a request on a token path fails unexpectedly."""

from __future__ import annotations

import base64
import io
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from monitor import store
from monitor.logs import make_handler
from monitor.signing import standard_key
from monitor.web import receive
from tests.paths import ROOT
from tests.support.gunicorn import Web
from tests.support.ingress_app import NEW_SECRET, PAGES, make_app
from tests.support.web import HMAC_SECRET, JSON, STANDARD_SECRET, TOKEN, Queue, capture, write_pages

METRICS_TOKEN = "scrape-token-0123456789abcdef"
OUTSIDE = {"REMOTE_ADDR": "192.0.2.7"}


def app_with(tmp_path: Path, redis_url: str, queue: Queue, **web: Any) -> Flask:
    queue.clear()
    return make_app(tmp_path, redis_url, queue.url, **web)


# --- /metrics -----------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_without_a_token_metrics_answer_loopback_clients(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis, address: str
) -> None:
    client = app_with(tmp_path, redis_url, queue).test_client()
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 200
    assert "statusmon_queue_length" in response.get_data(as_text=True)


def test_without_a_token_metrics_refuse_every_other_client(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis
) -> None:
    client = app_with(tmp_path, redis_url, queue).test_client()
    response = client.get("/metrics", environ_base=OUTSIDE)
    assert response.status_code == 403
    assert "statusmon_" not in response.get_data(as_text=True)


@pytest.mark.parametrize("address", ["127.0.0.1", "192.0.2.7"])
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token-0123456789", f"Basic {METRICS_TOKEN}", "Bearer"]
)
def test_with_a_token_metrics_refuse_anyone_without_it_even_on_loopback(
    tmp_path: Path,
    redis_url: str,
    queue: Queue,
    r: store.Redis,
    address: str,
    authorization: str | None,
) -> None:
    client = app_with(tmp_path, redis_url, queue, metrics_token=METRICS_TOKEN).test_client()
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "statusmon_" not in response.get_data(as_text=True)


def test_with_a_token_metrics_answer_its_bearer_from_anywhere(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis
) -> None:
    client = app_with(tmp_path, redis_url, queue, metrics_token=METRICS_TOKEN).test_client()
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    response = client.get("/metrics", headers=headers, environ_base=OUTSIDE)
    assert response.status_code == 200
    assert "statusmon_queue_length" in response.get_data(as_text=True)


def compose_web_healthcheck(port: int) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"]
    return [sys.executable, *(arg.replace(":8080/", f":{port}/") for arg in test[2:])]


@pytest.mark.parametrize("token", [None, METRICS_TOKEN])
def test_real_gunicorn_serves_metrics_as_configured_and_the_compose_healthcheck_passes(
    tmp_path: Path, redis_url: str, r: store.Redis, token: str | None
) -> None:
    env = {"METRICS_TOKEN": token} if token else {}
    pages = write_pages(tmp_path, PAGES[:1])
    with Web(redis_url.rsplit("/", 1)[0] + "/5", pages, tmp_path, **env) as web:
        status, _ = web.request("GET", "/metrics")
        assert status == (401 if token else 200)
        if token:
            bearer = {"Authorization": f"Bearer {token}"}
            assert web.request("GET", "/metrics", headers=bearer)[0] == 200
        check = compose_web_healthcheck(web.port)
        done = subprocess.run(check, env={**os.environ, **env}, capture_output=True, timeout=30)
        assert done.returncode == 0, done.stderr.decode()


# --- /health ------------------------------------------------------------------------------


def words(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(words(v) for v in value.values()))
    return {value}


@pytest.mark.parametrize("alive", [True, False])
def test_health_is_public_and_says_only_ok_or_unhealthy_per_part(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis, alive: bool
) -> None:
    client = app_with(tmp_path, redis_url, queue, metrics_token=METRICS_TOKEN).test_client()
    if alive:
        for role in ("poll", "notifier", "beat"):
            store.heartbeat(r, role)
    response = client.get("/health", environ_base=OUTSIDE)
    assert response.status_code == (200 if alive else 503)
    health = response.get_json()
    assert set(health) == {"status", "redis", "broker", "memory", "roles", "deliveries"}
    assert set(health["roles"]) == {"poll", "notifier", "beat"}
    assert words(health) == ({"ok"} if alive else {"ok", "unhealthy"})


# --- logs ---------------------------------------------------------------------------------


def test_an_unexpected_error_on_a_token_path_logs_the_route_and_page_never_the_token(
    tmp_path: Path,
    redis_url: str,
    queue: Queue,
    r: store.Redis,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = app_with(tmp_path, redis_url, queue).test_client()

    def broken(payload: dict[str, Any]) -> Any:
        raise RuntimeError(f"broken on {payload['page']['id']}")

    monkeypatch.setattr(receive, "provider_page_id", broken)  # a bug past the token check
    caplog.set_level(logging.DEBUG)
    response = client.post(
        f"/webhook/open/{TOKEN}", data=capture("incident"), headers={"Content-Type": JSON}
    )
    assert (response.status_code, response.get_json()) == (500, {"error": "internal error"})
    assert TOKEN not in caplog.text
    assert "POST /webhook/<page_id>/<token> (page open): unexpected RuntimeError" in caplog.text
    assert len(queue) == 0


def test_every_configured_secret_and_token_is_redacted_from_log_lines(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis
) -> None:
    app_with(tmp_path, redis_url, queue)  # reads pages.yaml: its secrets join the redaction
    out = io.StringIO()
    log = logging.getLogger("test.exposure.redact")
    log.handlers[:] = [make_handler("text", {}, out)]  # no secret-named variable in its env
    log.propagate = False
    key = base64.b64encode(standard_key(STANDARD_SECRET)).decode()
    for secret in (TOKEN, HMAC_SECRET, NEW_SECRET, STANDARD_SECRET, key):
        log.error("gunicorn: Error handling request /webhook/open/%s?x=1", secret)
    text = out.getvalue()
    assert text.count("/webhook/open/***?x=1") == 5
    for secret in (TOKEN, HMAC_SECRET, NEW_SECRET, key.rstrip("=")):
        assert secret not in text
