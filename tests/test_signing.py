"""Signature schemes against their published vectors (docs/FORMATS.md §5), and what they refuse."""

from __future__ import annotations

import hashlib
import json

import pytest

from monitor.secrets import Secrets
from monitor.signing import (
    SignatureError,
    Verified,
    sign_hex,
    sign_standard,
    standard_key,
    token_matches,
    verify,
)

GITHUB_SECRET = b"It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_HEX = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SW_TS = 1614265330
SW_BODY = b'{"test": 2432232314}'
SW_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
SW_HEADERS = {
    "webhook-id": SW_ID,
    "webhook-timestamp": str(SW_TS),
    "webhook-signature": SW_SIGNATURE,
}


def test_the_github_vector_signs_to_the_published_digest() -> None:
    assert sign_hex(GITHUB_SECRET, GITHUB_BODY) == GITHUB_HEX


def test_the_github_vector_verifies_with_x_hub_signature_256() -> None:
    headers = {"x-hub-signature-256": "sha256=" + GITHUB_HEX}
    verified = verify("github", [GITHUB_SECRET], GITHUB_BODY, headers, now=0)
    assert verified == Verified(body_sha256=hashlib.sha256(GITHUB_BODY).hexdigest())


@pytest.mark.parametrize("value", [GITHUB_HEX, "sha256=" + GITHUB_HEX, GITHUB_HEX.upper()])
def test_x_signature_takes_bare_or_prefixed_hex_in_either_case(value: str) -> None:
    assert verify("hmac", [GITHUB_SECRET], GITHUB_BODY, {"x-signature": value}, now=0)


def test_the_standard_webhooks_vector_signs_to_the_published_signature() -> None:
    assert sign_standard(standard_key(SW_SECRET), SW_ID, SW_TS, SW_BODY) == SW_SIGNATURE


def test_the_standard_webhooks_vector_verifies_and_names_its_message_id() -> None:
    verified = verify("standard", [standard_key(SW_SECRET)], SW_BODY, SW_HEADERS, now=SW_TS)
    assert verified.message_id == SW_ID


def test_a_tampered_body_is_refused_by_every_scheme() -> None:
    tampered = b'{"test": 2432232315}'
    with pytest.raises(SignatureError, match="does not match"):
        verify("standard", [standard_key(SW_SECRET)], tampered, SW_HEADERS, now=SW_TS)
    for scheme, name, value in [
        ("github", "x-hub-signature-256", "sha256=" + GITHUB_HEX),
        ("hmac", "x-signature", GITHUB_HEX),
    ]:
        with pytest.raises(SignatureError, match="does not match"):
            verify(scheme, [GITHUB_SECRET], b"Hello, World?", {name: value}, now=0)  # type: ignore[arg-type]


def test_a_wrong_secret_is_refused() -> None:
    other = standard_key("whsec_" + "QUJD" * 8)
    with pytest.raises(SignatureError):
        verify("standard", [other], SW_BODY, SW_HEADERS, now=SW_TS)
    with pytest.raises(SignatureError):
        verify(
            "github",
            [b"not the secret"],
            GITHUB_BODY,
            {"x-hub-signature-256": "sha256=" + GITHUB_HEX},
            now=0,
        )


def test_a_rotated_secret_still_verifies_beside_the_new_one() -> None:
    new, old = b"the new secret", GITHUB_SECRET
    assert verify("hmac", [new, old], GITHUB_BODY, {"x-signature": GITHUB_HEX}, now=0)
    keys = [standard_key("whsec_" + "QUJD" * 8), standard_key(SW_SECRET)]
    assert verify("standard", keys, SW_BODY, SW_HEADERS, now=SW_TS).message_id == SW_ID


def test_one_matching_signature_among_several_is_enough() -> None:
    headers = {**SW_HEADERS, "webhook-signature": "v1,AAAA v2,xyz " + SW_SIGNATURE}
    assert verify("standard", [standard_key(SW_SECRET)], SW_BODY, headers, now=SW_TS)


@pytest.mark.parametrize("offset", [-300, 300])
def test_a_timestamp_within_five_minutes_is_accepted(offset: int) -> None:
    assert verify("standard", [standard_key(SW_SECRET)], SW_BODY, SW_HEADERS, now=SW_TS + offset)


@pytest.mark.parametrize("offset", [-301, 301, 86_400])
def test_a_stale_or_future_timestamp_is_refused(offset: int) -> None:
    with pytest.raises(SignatureError, match="300 s off"):
        verify("standard", [standard_key(SW_SECRET)], SW_BODY, SW_HEADERS, now=SW_TS + offset)


def test_a_replayed_message_keeps_its_id_for_the_caller_to_refuse() -> None:
    key = [standard_key(SW_SECRET)]
    first = verify("standard", key, SW_BODY, SW_HEADERS, now=SW_TS)
    again = verify("standard", key, SW_BODY, SW_HEADERS, now=SW_TS + 10)
    assert first.message_id == again.message_id == SW_ID  # ingress remembers it in Redis


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_standard_header_is_refused(missing: str) -> None:
    headers = {k: v for k, v in SW_HEADERS.items() if k != missing}
    with pytest.raises(SignatureError, match="missing"):
        verify("standard", [standard_key(SW_SECRET)], SW_BODY, headers, now=SW_TS)


@pytest.mark.parametrize("scheme", ["hmac", "github"])
def test_a_missing_signature_header_is_refused(scheme: str) -> None:
    with pytest.raises(SignatureError, match="missing"):
        verify(scheme, [GITHUB_SECRET], GITHUB_BODY, {}, now=0)  # type: ignore[arg-type]


def test_github_wants_the_sha256_prefix() -> None:
    with pytest.raises(SignatureError, match="sha256="):
        verify("github", [GITHUB_SECRET], GITHUB_BODY, {"x-hub-signature-256": GITHUB_HEX}, now=0)


@pytest.mark.parametrize("stamp", ["", "soon", "1614265330.5", "-1", "9" * 5000, "١٢٣"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(stamp: str) -> None:
    headers = {**SW_HEADERS, "webhook-timestamp": stamp}
    with pytest.raises(SignatureError):
        verify("standard", [standard_key(SW_SECRET)], SW_BODY, headers, now=SW_TS)


def test_a_page_without_keys_verifies_nothing() -> None:
    with pytest.raises(SignatureError, match="no key"):
        verify("hmac", [], GITHUB_BODY, {"x-signature": GITHUB_HEX}, now=0)


@pytest.mark.parametrize("secret", ["whsec_not base64!", "whsec_", "plain words"])
def test_a_malformed_standard_secret_is_not_a_key(secret: str) -> None:
    with pytest.raises(ValueError, match="whsec_"):
        standard_key(secret)


def test_a_path_token_matches_only_exactly() -> None:
    tokens = [b"tok_0123456789abcdef", b"tok_fedcba9876543210"]
    assert token_matches(tokens, "tok_fedcba9876543210")
    assert not token_matches(tokens, "tok_0123456789abcde")
    assert not token_matches(tokens, None)
    assert not token_matches([b""], "")


def test_secrets_show_nothing_of_themselves() -> None:
    secrets = Secrets((b"hunter2-hunter2",))
    assert "hunter2" not in repr(secrets) + str(secrets)
    assert dict(secrets) == {}
    assert json.dumps({"secrets": secrets}, default=dict) == '{"secrets": {}}'
    assert secrets.values_ == (b"hunter2-hunter2",)
