"""The `webhook:` section of a page in pages.yaml.

```yaml
webhook:
  scheme: standard            # hmac (X-Signature, default) | github | standard
  secrets: [whsec_…]          # literal secrets; better: secret_files / secret_env
  secret_files: [/run/secrets/github-webhook]
  secret_env: [GITHUB_WEBHOOK_SECRET]   # $NAME, or the file named by $NAME_FILE
  tolerance: 300              # standard: seconds a timestamp may be off
---
webhook:                      # Statuspage subscriber webhooks carry no signature:
  unsigned: true              # the secret is a path token, POST /webhook/<page>/<token>,
  provider_page_id: kctbh9vrtdwd   # and the payload's page.id must be this
  secret_env: [GITHUB_WEBHOOK_TOKEN]
```

Secrets are read once, at start-up; a problem names the field, never the secret. An hmac or
github secret needs at least 32 bytes (surrounding whitespace not counted), a whsec_ key must
decode to at least 24 bytes, a path token is 16-256 URL-safe characters. They live in a
`Secrets` holder (monitor/secrets.py) that shows nothing of itself to repr, dict() or JSON, so
a PageConfig can be logged or stored (monitor.registry keeps pages in Redis) without its keys.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from monitor.secrets import SECRET_FIELDS, Secrets, read_secrets
from monitor.signing import MIN_HMAC_SECRET, SCHEMES, TOLERANCE, standard_key

Mode = Literal["hmac", "github", "standard", "unsigned"]
_FIELDS = {"scheme", "unsigned", "provider_page_id", "tolerance", *SECRET_FIELDS}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
_SHORT = f"a signing secret needs at least {MIN_HMAC_SECRET} bytes (e.g. openssl rand -hex 32)"


@dataclass(frozen=True)
class WebhookConfig:
    mode: Mode
    secrets: Secrets  # signing keys; for mode "unsigned", the path tokens
    provider_page_id: str | None = None
    tolerance: int = TOLERANCE


def secret_texts(hook: WebhookConfig) -> list[str]:
    """The secrets as they would appear in text (for the log filter): the literal secret or
    token; a Standard Webhooks key as whsec_<base64> and as bare base64 (unpadded, so a
    padded one is hidden too)."""
    if hook.mode == "standard":
        encoded = [base64.b64encode(key).decode().rstrip("=") for key in hook.secrets.values_]
        return [*("whsec_" + text for text in encoded), *encoded]
    return [key.decode("utf-8", "replace") for key in hook.secrets.values_]


def parse_webhook_section(
    raw: Any, problems: list[str], env: Mapping[str, str] | None = None
) -> WebhookConfig | None:
    """None: the page takes no webhooks. Appends "field 'webhook.…': …" problems."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append("field 'webhook': expected a mapping")
        return None
    mine = _Problems()
    for key in raw:
        if key not in _FIELDS:
            mine.add(str(key), "unknown field")
    unsigned = raw.get("unsigned", False)
    if not isinstance(unsigned, bool):
        mine.add("unsigned", f"{unsigned!r} must be true or false")
    scheme = raw.get("scheme", "hmac")
    if scheme not in SCHEMES:
        mine.add("scheme", f"{scheme!r} is not one of {', '.join(SCHEMES)}")
    tolerance = raw.get("tolerance", TOLERANCE)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 1:
        mine.add("tolerance", f"{tolerance!r} must be whole seconds ≥ 1")
    found = read_secrets(raw, os.environ if env is None else env, mine.add)
    provider_page_id = raw.get("provider_page_id")
    if unsigned is True:
        _check_unsigned(raw, found, provider_page_id, mine)
        keys = [token.encode() for _, token in found]
    else:
        if not found:
            mine.add("secrets", "a signed page needs a secret (or mark it 'unsigned: true')")
        keys = _signing_keys(scheme, found, mine)
    problems += mine.rendered
    if mine.rendered:
        return None
    mode: Mode = "unsigned" if unsigned else scheme
    return WebhookConfig(mode, Secrets(tuple(keys)), provider_page_id, tolerance)


class _Problems:
    def __init__(self) -> None:
        self.rendered: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.rendered.append(f"field 'webhook.{where}': {message}")


def _signing_keys(scheme: Any, found: list[tuple[str, str]], mine: _Problems) -> list[bytes]:
    if scheme != "standard":
        for where, value in found:
            if len(value.strip().encode()) < MIN_HMAC_SECRET:
                mine.add(where, _SHORT)
        return [value.encode() for _, value in found]
    keys = []
    for where, value in found:
        try:
            keys.append(standard_key(value))
        except ValueError as exc:
            mine.add(where, str(exc))
    return keys


def _check_unsigned(
    raw: Mapping[str, Any], found: list[tuple[str, str]], provider_page_id: Any, mine: _Problems
) -> None:
    if "scheme" in raw:
        mine.add("scheme", "an unsigned page has no signature scheme")
    if not found:
        mine.add("secrets", "an unsigned page needs a path token (secret_env or secret_files)")
    for where, token in found:
        if not _TOKEN.match(token):
            mine.add(where, "a path token must be 16-256 of A-Z a-z 0-9 _ -")
    if not isinstance(provider_page_id, str) or not provider_page_id.strip():
        mine.add("provider_page_id", "required for an unsigned page (the payload's page.id)")
