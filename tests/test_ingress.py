"""The webhook app on a real Redis: what it answers, and exactly what reaches the broker's queue.

The app's broker is a Redis database of its own (no worker consumes it), so the queue can be
counted: a request is queued once when answered 202, and never otherwise.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import keys, store
from monitor.cli.redis_server import free_port
from tests.support.ingress_app import NEW_SECRET, PAGES, make_app
from tests.support.web import (
    CAPTURES,
    HMAC_SECRET,
    JSON,
    STANDARD_SECRET,
    TOKEN,
    Queue,
    capture,
    github_headers,
    hmac_headers,
    standard_headers,
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, redis_url: str, queue: Queue) -> Flask:
    return make_app(tmp_path_factory.mktemp("ingress"), redis_url, queue.url)


@pytest.fixture
def client(app: Flask, r: store.Redis, queue: Queue) -> FlaskClient:
    queue.clear()
    return app.test_client()


def post(client: FlaskClient, path: str, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(path, data=body, headers=headers)


@pytest.mark.parametrize("name", ["component", "incident", "atlassian"])
def test_a_signed_capture_is_queued_once_as_an_ingest_task_and_answered_202(
    client: FlaskClient, queue: Queue, name: str
) -> None:
    body = capture(name)
    response = post(client, "/webhook/signed", body, hmac_headers(body))
    assert response.status_code == 202
    receipt = response.get_json()
    assert receipt["status"] == "accepted" and receipt["page"] == "signed"
    assert queue.messages() == [
        {"task": "statusmon.ingest", "id": receipt["task"], "args": ["signed", json.loads(body)]}
    ]


@pytest.mark.parametrize(
    ("path", "sign"),
    [
        ("/webhook/signed", lambda b: hmac_headers(b, prefix="sha256=")),
        ("/webhook/signed", lambda b: hmac_headers(b, secret=NEW_SECRET)),
        ("/webhook/github", github_headers),
        ("/webhook/standard", lambda b: standard_headers(b, "msg_one")),
    ],
    ids=["x-signature-sha256-prefix", "rotated-secret", "github", "standard-webhooks"],
)
def test_every_signature_scheme_is_accepted(
    client: FlaskClient, queue: Queue, path: str, sign: Any
) -> None:
    body = capture("component")
    assert post(client, path, body, sign(body)).status_code == 202
    assert len(queue) == 1


def test_a_replayed_webhook_id_is_answered_200_and_not_queued_again(
    client: FlaskClient, queue: Queue
) -> None:
    body = capture("incident")
    headers = standard_headers(body, "msg_replayed")
    assert post(client, "/webhook/standard", body, headers).status_code == 202
    again = post(client, "/webhook/standard", body, headers)
    assert (again.status_code, again.get_json()["status"]) == (200, "duplicate")
    assert len(queue) == 1
    other = post(client, "/webhook/standard", body, standard_headers(body, "msg_another"))
    assert other.status_code == 202 and len(queue) == 2


def test_a_stale_standard_webhook_is_refused(client: FlaskClient, queue: Queue) -> None:
    body = capture("incident")
    headers = standard_headers(body, "msg_old", at=time.time() - 301)
    response = post(client, "/webhook/standard", body, headers)
    assert response.status_code == 401 and "300 s" in response.get_json()["error"]
    assert len(queue) == 0


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/webhook/signed", {"Content-Type": JSON}),
        ("/webhook/signed", {"Content-Type": JSON, "X-Signature": "00" * 32}),
        ("/webhook/signed", hmac_headers(b"another body")),
        ("/webhook/signed", hmac_headers(capture("incident"), secret="wrong")),
        ("/webhook/github", hmac_headers(capture("incident"))),
        ("/webhook/standard", {**standard_headers(capture("incident"), "m"), "webhook-id": "n"}),
        ("/webhook/open/" + "x" * len(TOKEN), {"Content-Type": JSON}),
        ("/webhook/open", {"Content-Type": JSON}),
    ],
)
def test_a_bad_or_missing_signature_or_token_is_401_and_queues_nothing(
    client: FlaskClient, queue: Queue, path: str, headers: dict[str, str]
) -> None:
    response = post(client, path, capture("incident"), headers)
    assert response.status_code == 401
    assert HMAC_SECRET not in response.get_data(as_text=True)
    assert len(queue) == 0


def test_an_unsigned_page_takes_its_token_path_and_its_own_provider_page(
    client: FlaskClient, queue: Queue
) -> None:
    ours, theirs = capture("incident"), capture("atlassian")  # page jb7j80lkgqvb, j2mfxwj97wnj
    headers = {"Content-Type": JSON}
    assert post(client, f"/webhook/open/{TOKEN}", ours, headers).status_code == 202
    refused = post(client, f"/webhook/open/{TOKEN}", theirs, headers)
    assert (refused.status_code, refused.get_json()) == (
        401,
        {"error": "page.id is not this page's"},
    )
    assert len(queue) == 1


@pytest.mark.parametrize(
    "path", ["/webhook/nope", "/webhook/quiet", f"/webhook/signed/{TOKEN}", "/webhook", "/other"]
)
def test_an_unknown_page_or_a_page_without_webhooks_is_404(
    client: FlaskClient, queue: Queue, path: str
) -> None:
    body = capture("incident")
    response = post(client, path, body, hmac_headers(body))
    assert response.status_code == 404 and "error" in response.get_json()
    assert len(queue) == 0


def test_the_bare_path_serves_the_one_page_that_takes_webhooks(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis
) -> None:
    queue.clear()
    app = make_app(tmp_path, redis_url, queue.url, pages=[PAGES[0], PAGES[4]])
    body = capture("component")
    response = post(app.test_client(), "/webhook", body, hmac_headers(body))
    assert (response.status_code, response.get_json()["page"]) == (202, "signed")
    assert len(queue) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "status", "reason"),
    [
        (b"{not json", JSON, 400, "body is not JSON"),
        (b"\xff\xfe\x00garbage", JSON, 400, "body is not JSON"),
        (b'{"a": NaN}', JSON, 400, "body is not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, JSON, 400, "body is not JSON"),
        (b"[1, 2]", JSON, 400, "body is not a JSON object"),
        (b'"text"', JSON, 400, "body is not a JSON object"),
        (b'{"hello": "world"}', JSON, 422, "not a Statuspage webhook"),
        (b'{"incident": {"id": 5}}', JSON, 422, "incident.incident_updates: expected a list"),
        (b"{}", "text/plain", 415, "expected Content-Type: application/json"),
        (b"{}", "", 415, "expected Content-Type: application/json"),
        (b"{}", "application/x-www-form-urlencoded", 415, "expected Content-Type"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_queues_nothing(
    client: FlaskClient, queue: Queue, body: bytes, content_type: str, status: int, reason: str
) -> None:
    headers = {**hmac_headers(body), "Content-Type": content_type}
    response = post(client, "/webhook/signed", body, headers)
    assert response.status_code == status
    assert response.get_json()["error"].startswith(reason)
    assert len(queue) == 0


def test_a_json_suffix_media_type_is_json(client: FlaskClient, queue: Queue) -> None:
    body = capture("component")
    headers = {
        **hmac_headers(body),
        "Content-Type": "application/vnd.statuspage+json; charset=utf-8",
    }
    assert post(client, "/webhook/signed", body, headers).status_code == 202


def test_a_body_over_the_limit_is_413_at_one_byte_over(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis
) -> None:
    queue.clear()
    body = capture("incident")
    client = make_app(tmp_path, redis_url, queue.url, max_bytes=len(body)).test_client()
    assert post(client, "/webhook/signed", body, hmac_headers(body)).status_code == 202
    bigger = body + b" "
    response = post(client, "/webhook/signed", bigger, hmac_headers(bigger))
    assert response.status_code == 413
    assert len(queue) == 1


def test_the_default_limit_is_one_mebibyte(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis
) -> None:
    queue.clear()
    client = make_app(tmp_path, redis_url, queue.url).test_client()
    body = b'{"pad": "' + b" " * (1 << 20) + b'"}'
    assert post(client, "/webhook/signed", body, hmac_headers(body)).status_code == 413
    assert len(queue) == 0


def test_a_broker_that_is_down_is_503_with_retry_after_never_202(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis
) -> None:
    queue.clear()
    closed = f"redis://127.0.0.1:{free_port()}/0"
    client = make_app(tmp_path, closed, closed).test_client()
    for path, headers_of in [("/webhook/signed", hmac_headers), ("/webhook/standard", None)]:
        body = capture("incident")
        headers = headers_of(body) if headers_of else standard_headers(body, "msg_down")
        started = time.monotonic()
        response = post(client, path, body, headers)
        assert time.monotonic() - started < 2
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert response.get_json() == {"error": "queue unavailable"}
    health = client.get("/health")
    assert health.status_code == 503
    assert (health.get_json()["redis"], health.get_json()["broker"]) == ("unhealthy", "unhealthy")
    assert len(queue) == 0


def test_a_source_over_its_rate_limit_is_429_while_others_go_on(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis
) -> None:
    queue.clear()
    client = make_app(tmp_path, redis_url, queue.url, rate_limit="3/minute").test_client()
    bodies = [capture("component") + b" " * n for n in range(5)]  # the same body is a replay
    busy = {"REMOTE_ADDR": "192.0.2.1"}
    codes = [
        client.post("/webhook/signed", data=body, headers=hmac_headers(body), environ_base=busy)
        for body in bodies[:4]
    ]
    assert [c.status_code for c in codes] == [202, 202, 202, 429]
    assert int(codes[-1].headers["Retry-After"]) > 0
    other = {"REMOTE_ADDR": "192.0.2.2"}
    body = bodies[4]
    calm = client.post("/webhook/signed", data=body, headers=hmac_headers(body), environ_base=other)
    assert calm.status_code == 202
    assert len(queue) == 4


def test_refusals_log_no_secret_and_no_stack_trace(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = capture("incident")
    for path, headers in [
        ("/webhook/signed", hmac_headers(body, secret="wrong")),
        ("/webhook/open/not-the-token-at-all", {"Content-Type": JSON}),
        ("/webhook/signed", {**hmac_headers(b"[1]"), "Content-Type": JSON}),
    ]:
        response = post(client, path, body, headers)
        assert response.status_code in (400, 401)
        assert TOKEN not in response.get_data(as_text=True)
    logged = caplog.text + "".join(str(r.exc_info) for r in caplog.records)
    assert HMAC_SECRET not in logged and TOKEN not in logged
    assert "Traceback" not in logged and all(r.exc_info is None for r in caplog.records)


def test_health_is_200_when_redis_the_broker_and_every_role_are_alive(
    client: FlaskClient, r: store.Redis
) -> None:
    for role in ("poll", "notifier", "beat"):
        store.heartbeat(r, role)
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "redis": "ok",
        "broker": "ok",
        "memory": "ok",
        "roles": {"poll": "ok", "notifier": "ok", "beat": "ok"},
        "deliveries": "ok",
    }


def test_health_is_degraded_with_200_while_a_channel_gave_a_delivery_up_today(
    client: FlaskClient, r: store.Redis
) -> None:
    for role in ("poll", "notifier", "beat"):
        store.heartbeat(r, role)
    r.zadd(keys.DEAD_LETTERS, {"slack|old": time.time() - 2 * 86400})  # given up long ago
    assert client.get("/health").get_json()["status"] == "ok"
    r.zadd(keys.DEAD_LETTERS, {"slack|k1": time.time()})
    response = client.get("/health")
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["deliveries"]) == (
        "degraded",
        "degraded",
    )


def test_health_is_503_when_a_role_was_not_seen_lately(
    unwatched: tuple[store.Redis, str], queue: Queue, tmp_path: Path
) -> None:
    r, url = unwatched
    store.heartbeat(r, "poll")
    store.heartbeat(r, "beat")
    r.set(keys.alive("notifier"), str(time.time() - 61))
    health = make_app(tmp_path, url, queue.url).test_client().get("/health")
    assert health.status_code == 503
    assert health.get_json()["status"] == "unhealthy"
    assert health.get_json()["roles"] == {"poll": "ok", "notifier": "unhealthy", "beat": "ok"}


# --- Property: random bodies and headers never cause a 5xx nor an unsigned enqueue ------------

OPEN = f"/webhook/open/{TOKEN}"
SCHEMES = {"/webhook/signed": "hmac", "/webhook/github": "github", "/webhook/standard": "standard"}
PATHS = [*SCHEMES, OPEN, "/webhook/open/" + TOKEN[::-1], "/webhook/open", "/webhook/quiet"]
PATHS += ["/webhook/nope", "/webhook", f"/webhook/signed/{TOKEN}"]
HEADER_NAMES = ["X-Signature", "X-Hub-Signature-256", "webhook-id", "webhook-timestamp"]
HEADER_NAMES += ["webhook-signature", "Content-Encoding", "X-Forwarded-For"]
CONTENT_TYPES = [JSON, "application/json; charset=utf-8", "application/x+json", "text/plain", ""]
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"))
json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_value = st.recursive(
    json_leaf,
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(
            st.sampled_from(["incident", "component", "component_update", "page", "id", "name"])
            | st.text(max_size=8),
            kids,
            max_size=4,
        )
    ),
    max_leaves=12,
)


def _dropping_a_key(body: bytes, index: int) -> bytes:
    payload = json.loads(body)
    key = sorted(payload)[index % len(payload)]
    del payload[key]
    return json.dumps(payload).encode()


bodies = st.one_of(
    st.binary(max_size=3200),
    st.binary(min_size=2901, max_size=3200),  # over the app's 2,900-byte limit
    st.sampled_from(sorted(CAPTURES)).map(capture),
    st.tuples(st.sampled_from(sorted(CAPTURES)).map(capture), st.integers(0, 9)).map(
        lambda pair: _dropping_a_key(*pair)
    ),
    json_value.map(lambda v: json.dumps(v).encode()),
)


@st.composite
def webhook_requests(draw: st.DrawFn) -> tuple[str, bytes, dict[str, str], bool]:
    """(path, body, headers, authentic): authentic when signed right, or the right token."""
    path, body = draw(st.sampled_from(PATHS)), draw(bodies)
    headers = draw(st.dictionaries(st.sampled_from(HEADER_NAMES), header_text, max_size=3))
    signing = draw(st.sampled_from(["valid", "valid", "none", "wrong-secret", "tampered"]))
    scheme = SCHEMES.get(path)
    if scheme and signing != "none":
        secret = "not-the-secret" if signing == "wrong-secret" else HMAC_SECRET
        signed = body + b" " if signing == "tampered" else body
        if scheme == "standard":
            msg_id = draw(st.sampled_from(["msg_a", "msg_b"]) | header_text.filter(bool))
            at = time.time() + draw(st.sampled_from([0, 0, -400, 400]))
            key = "whsec_" + "QUJD" * 8 if signing == "wrong-secret" else STANDARD_SECRET
            headers.update(standard_headers(signed, msg_id, key, at))
        else:
            headers.update((github_headers if scheme == "github" else hmac_headers)(signed, secret))
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    headers.pop("Content-Type", None)
    if content_type:
        headers["Content-Type"] = content_type
    authentic = bool(scheme and signing == "valid") or (path == OPEN and _from_open_page(body))
    return path, body, headers, authentic


def _from_open_page(body: bytes) -> bool:
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    page = payload.get("page") if isinstance(payload, dict) else None
    return isinstance(page, dict) and page.get("id") == "jb7j80lkgqvb"


def test_random_requests_never_get_a_5xx_nor_queue_anything_unsigned(
    tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis
) -> None:
    queue.clear()
    client = make_app(tmp_path, redis_url, queue.url, max_bytes=2900).test_client()
    seen: Counter[int] = Counter()

    @settings(max_examples=2000, deadline=None, database=None)
    @given(webhook_requests())
    def check(request: tuple[str, bytes, dict[str, str], bool]) -> None:
        path, body, headers, authentic = request
        before = len(queue)
        response = client.post(path, data=body, headers=headers)
        seen[response.status_code] += 1
        assert response.status_code in (200, 202, 400, 401, 404, 413, 415, 422)
        assert len(queue) - before == (1 if response.status_code == 202 else 0)
        if response.status_code in (200, 202):
            assert authentic, (path, headers)

    check()
    assert sum(seen.values()) >= 2000
    assert {202, 200, 400, 401, 404, 413, 415, 422} <= set(seen), seen
