"""Replays on a real Redis: a delivery already enqueued is answered 200 "duplicate" and not
queued again (Standard Webhooks by its signed webhook-id, hmac and github by their signed body),
for WEBHOOK_REPLAY_WINDOW; and a delivery whose publish failed is not one, so the sender's
retry is queued, even when Redis drops between the replay check and the publish."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from monitor import keys, store
from tests.support.ingress_app import make_app
from tests.support.tcpproxy import CuttableProxy
from tests.support.web import (
    Queue,
    capture,
    github_headers,
    hmac_headers,
    standard_headers,
)

Sign = Callable[[bytes], dict[str, str]]
SCHEMES: dict[str, Sign] = {
    "signed": hmac_headers,
    "github": github_headers,
    "standard": lambda body: standard_headers(body, "msg_replay"),
}


@pytest.fixture
def client(tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis) -> FlaskClient:
    queue.clear()
    return make_app(tmp_path, redis_url, queue.url).test_client()


@pytest.mark.parametrize("page", sorted(SCHEMES))
def test_the_same_signed_request_twice_is_queued_once_and_then_answered_duplicate(
    client: FlaskClient, queue: Queue, page: str
) -> None:
    body = capture("incident")
    headers = SCHEMES[page](body)
    first = client.post(f"/webhook/{page}", data=body, headers=headers)
    again = client.post(f"/webhook/{page}", data=body, headers=headers)
    assert first.status_code == 202
    assert (again.status_code, again.get_json()) == (200, {"status": "duplicate", "page": page})
    assert len(queue) == 1


@pytest.mark.parametrize("page", ["signed", "github"])
def test_another_body_is_another_delivery(client: FlaskClient, queue: Queue, page: str) -> None:
    for name in ("incident", "component"):
        body = capture(name)
        assert (
            client.post(f"/webhook/{page}", data=body, headers=SCHEMES[page](body)).status_code
            == 202
        )
    assert len(queue) == 2


def test_a_github_replay_with_a_new_delivery_id_is_still_a_duplicate(
    client: FlaskClient, queue: Queue
) -> None:
    body = capture("incident")  # X-GitHub-Delivery is not signed: a replayer may change it
    for delivery in ("72d3162e-cc78-11e3-81ab-4c9367dc0958", "a-new-one-every-time"):
        headers = {**github_headers(body), "X-GitHub-Delivery": delivery}
        client.post("/webhook/github", data=body, headers=headers)
    assert len(queue) == 1


@pytest.mark.parametrize(
    ("window", "hmac_kept", "standard_kept"),
    [(None, 86400, 86400), (3600, 3600, 3600), (60, 60, 600)],
)
def test_a_delivery_is_remembered_for_the_replay_window(
    tmp_path: Path,
    redis_url: str,
    queue: Queue,
    r: store.Redis,
    window: int | None,
    hmac_kept: int,
    standard_kept: int,
) -> None:
    """WEBHOOK_REPLAY_WINDOW, 24 h by default; Standard Webhooks: at least twice its
    timestamp tolerance (a replay within it carries a valid timestamp)."""
    queue.clear()
    settings = {} if window is None else {"replay_window": window}
    client = make_app(tmp_path, redis_url, queue.url, **settings).test_client()
    body = capture("incident")
    assert client.post("/webhook/signed", data=body, headers=hmac_headers(body)).status_code == 202
    digest = hashlib.sha256(body).hexdigest()
    assert hmac_kept - 5 < r.ttl(keys.webhook_id("signed", "sha256:" + digest)) <= hmac_kept
    headers = standard_headers(body, "msg_window")
    assert client.post("/webhook/standard", data=body, headers=headers).status_code == 202
    kept = r.ttl(keys.webhook_id("standard", "id:msg_window"))
    assert standard_kept - 5 < kept <= standard_kept


@pytest.fixture
def proxy(redis_url: str) -> Iterator[CuttableProxy]:
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    cut = CuttableProxy(port)
    yield cut
    cut.close()


@pytest.mark.parametrize("page", ["standard", "signed"])
def test_a_retry_after_redis_dropped_between_the_replay_check_and_the_publish_is_queued(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis, proxy: CuttableProxy, page: str
) -> None:
    # Given the app's Redis (state and broker, as in production) behind a proxy that drops
    # every connection right after Redis answers the replay check of this delivery
    queue.clear()
    client = make_app(tmp_path, proxy.url(3), proxy.url(3)).test_client()
    body = capture("incident")
    headers = SCHEMES[page](body)
    proxy.cut_after(b"webhook-id")
    # When the sender posts: the publish finds Redis gone
    first = client.post(f"/webhook/{page}", data=body, headers=headers)
    assert proxy.cuts == 1
    assert (first.status_code, first.headers["Retry-After"]) == (503, "30")
    assert len(queue) == 0
    # Then its retry, once Redis is back, is queued, and the next one is a duplicate
    proxy.restore()
    retry = client.post(f"/webhook/{page}", data=body, headers=headers)
    assert (retry.status_code, retry.get_json()["status"]) == (202, "accepted")
    assert len(queue) == 1
    again = client.post(f"/webhook/{page}", data=body, headers=headers)
    assert (again.status_code, again.get_json()["status"]) == (200, "duplicate")
    assert len(queue) == 1
