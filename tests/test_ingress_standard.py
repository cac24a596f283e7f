"""The ingress's Standard Webhooks verification against the reference implementation (the
`standardwebhooks` package): what it signs is accepted, what it would refuse is refused, and
what we sign it verifies."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from monitor import store
from monitor.signing import sign_standard, standard_key
from tests.support.ingress_app import URL, make_app
from tests.support.web import JSON, STANDARD_SECRET, Queue, capture

UNPADDED = "whsec_" + base64.b64encode(bytes(range(7, 39))).decode().rstrip("=")  # 32-byte key


@pytest.fixture
def client(tmp_path: Path, redis_url: str, queue: Queue, r: store.Redis) -> FlaskClient:
    queue.clear()
    pages = [
        {"id": page, "name": "Example", "url": URL, "kind": "statuspage",
         "webhook": {"scheme": "standard", "secrets": [secret]}}
        for page, secret in [("padded", STANDARD_SECRET), ("unpadded", UNPADDED)]
    ]  # fmt: skip
    return make_app(tmp_path, redis_url, queue.url, pages=pages).test_client()


def signed_by(secret: str, body: bytes, msg_id: str, at: datetime) -> dict[str, str]:
    signature = Webhook(secret).sign(msg_id, at, body)
    stamp = str(int(at.timestamp()))
    return {
        "Content-Type": JSON,
        "webhook-id": msg_id,
        "webhook-timestamp": stamp,
        "webhook-signature": signature,
    }


@pytest.mark.parametrize(("page", "secret"), [("padded", STANDARD_SECRET), ("unpadded", UNPADDED)])
def test_a_webhook_signed_by_the_reference_library_is_accepted(
    client: FlaskClient, queue: Queue, page: str, secret: str
) -> None:
    body = capture("incident")
    headers = signed_by(secret, body, f"msg_{page}", datetime.now(UTC))
    response = client.post(f"/webhook/{page}", data=body, headers=headers)
    assert response.status_code == 202, response.get_json()
    assert len(queue) == 1


@pytest.mark.parametrize(
    ("secret", "shift", "tamper"),
    [
        ("whsec_" + base64.b64encode(b"another key, 24 bytes!!!").decode(), 0, False),
        (STANDARD_SECRET, 0, True),
        (STANDARD_SECRET, -310, False),
        (STANDARD_SECRET, 310, False),
    ],
    ids=["other-key", "tampered-body", "too-old", "too-new"],
)
def test_what_the_reference_library_refuses_is_refused(
    client: FlaskClient, queue: Queue, secret: str, shift: int, tamper: bool
) -> None:
    body = capture("incident")
    at = datetime.now(UTC) + timedelta(seconds=shift)
    headers = signed_by(secret, body, "msg_refused", at)
    sent = body + b" " if tamper else body
    with pytest.raises(WebhookVerificationError):
        Webhook(STANDARD_SECRET).verify(sent, headers)
    response = client.post("/webhook/padded", data=sent, headers=headers)
    assert response.status_code == 401
    assert len(queue) == 0


@pytest.mark.parametrize("secret", [STANDARD_SECRET, UNPADDED])
def test_what_we_sign_the_reference_library_verifies(secret: str) -> None:
    body, stamp = capture("component"), int(time.time())
    signature = sign_standard(standard_key(secret), "msg_ours", stamp, body)
    headers = {"webhook-id": "msg_ours", "webhook-timestamp": str(stamp)}
    Webhook(secret).verify(body, {**headers, "webhook-signature": signature})
