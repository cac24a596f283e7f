"""Webhook signatures: HMAC-SHA256 over the raw request bytes, compared in constant time.

Pure: no I/O, no clock (callers pass `now`). Schemes (docs/FORMATS.md §5):

- `hmac`:     `X-Signature: <hex>` or `X-Signature: sha256=<hex>` over the body.
- `github`:   `X-Hub-Signature-256: sha256=<hex>` over the body.
- `standard`: Standard Webhooks (Svix, incident.io): `webhook-id`, `webhook-timestamp` (unix
  seconds, at most `tolerance` off), `webhook-signature: v1,<base64> [v1,<base64> …]` over
  `<id>.<timestamp>.<body>`, keyed with the base64-decoded `whsec_…` secret. The id is returned
  so the caller can refuse a replay.

`Verified.replay_id` names a delivery against replays: the signed webhook-id (`standard`), or the
SHA-256 of the signed body (`hmac`, `github`: they sign nothing else; X-GitHub-Delivery is not
signed, so a replay could change it). Keys: hmac and github secrets of at least MIN_HMAC_SECRET
bytes, Standard Webhooks keys of at least MIN_STANDARD_KEY (webhook_config checks them).

Every scheme takes several keys (secret rotation): a request is accepted if any key matches any
signature it carries. Errors name what is wrong, never a secret or a signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Scheme = Literal["hmac", "github", "standard"]
SCHEMES: tuple[Scheme, ...] = ("hmac", "github", "standard")
TOLERANCE = 300  # seconds a Standard Webhooks timestamp may be off our clock
MAX_ID = 256  # characters of a webhook-id we accept (it becomes part of a Redis key)
MIN_HMAC_SECRET = 32  # bytes of an hmac or github secret (a SHA-256 key's own size)
MIN_STANDARD_KEY = 24  # bytes of a decoded whsec_ key (Svix issues 24 to 64)


class SignatureError(ValueError):
    """The request is not signed by any of the page's keys: answer 401, enqueue nothing."""


@dataclass(frozen=True)
class Verified:
    message_id: str | None = None  # Standard Webhooks: the signed webhook-id
    body_sha256: str | None = None  # hmac, github: the digest of the signed body

    @property
    def replay_id(self) -> str | None:
        """What a replay of this delivery has in common with it; None: nothing (unsigned)."""
        if self.message_id is not None:
            return "id:" + self.message_id
        return None if self.body_sha256 is None else "sha256:" + self.body_sha256


def verify(
    scheme: Scheme,
    keys: Sequence[bytes],
    body: bytes,
    headers: Mapping[str, str],
    now: float,
    tolerance: int = TOLERANCE,
) -> Verified:
    """Check a request; `headers` has lower-case names. Raises SignatureError."""
    if not keys:
        raise SignatureError("no key configured")
    if scheme == "standard":
        return _verify_standard(keys, body, headers, now, tolerance)
    name = "x-hub-signature-256" if scheme == "github" else "x-signature"
    given = headers.get(name, "").strip()
    if not given:
        raise SignatureError(f"missing {name} header")
    if given[:7].lower() == "sha256=":
        given = given[7:]
    elif scheme == "github":
        raise SignatureError(f"{name} must start with sha256=")
    if not any(_same(sign_hex(key, body), given.lower()) for key in keys):
        raise SignatureError(f"{name} does not match")
    return Verified(body_sha256=hashlib.sha256(body).hexdigest())


def _verify_standard(
    keys: Sequence[bytes], body: bytes, headers: Mapping[str, str], now: float, tolerance: int
) -> Verified:
    msg_id = headers.get("webhook-id", "").strip()
    stamp = headers.get("webhook-timestamp", "").strip()
    given = headers.get("webhook-signature", "").split()
    if not msg_id or not stamp or not given:
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    if len(msg_id) > MAX_ID or not msg_id.isprintable():
        raise SignatureError("webhook-id is not a short printable id")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise SignatureError("webhook-timestamp is not unix seconds")
    if abs(now - int(stamp)) > tolerance:
        raise SignatureError(f"webhook-timestamp is more than {tolerance} s off")
    signatures = [s[3:] for s in given if s.startswith("v1,")]
    for key in keys:
        expected = sign_standard(key, msg_id, int(stamp), body)[3:]
        if any(_same(expected, s) for s in signatures):
            return Verified(message_id=msg_id)
    raise SignatureError("webhook-signature does not match")


def sign_hex(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def sign_standard(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64>` over `<id>.<timestamp>.<body>`."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_key(secret: str) -> bytes:
    """The signing key of a `whsec_<base64>` secret (padded or not, as the reference library
    reads it); ValueError if it is not one, or if its key is under MIN_STANDARD_KEY bytes."""
    encoded = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not a Standard Webhooks secret (whsec_<base64>)") from None
    if not key:
        raise ValueError("not a Standard Webhooks secret (whsec_<base64>)")
    if len(key) < MIN_STANDARD_KEY:
        raise ValueError(f"a whsec_ key must decode to at least {MIN_STANDARD_KEY} bytes")
    return key


def token_matches(tokens: Sequence[bytes], given: str | None) -> bool:
    """An unsigned page's path token; every configured token is compared, in constant time."""
    raw = (given or "").encode("utf-8", "replace")
    found = False
    for token in tokens:
        found |= hmac.compare_digest(token, raw)
    return found and bool(raw)


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))
