"""Lone UTF-16 surrogates out of text that came from outside.

JSON may spell a lone surrogate (`"\\ud83d"`, a title cut inside an emoji) and Python decodes it
into a str that no UTF-8 encoder accepts: saving the page's state, hashing a dedup key or
printing the line would fail every time. Each becomes U+FFFD, the replacement character, where
untrusted JSON enters (monitor.adapters.jsonshape) and again where text leaves for Redis or the
console (monitor.state, monitor.output), so nothing that slipped in another way can get stuck.
"""

from __future__ import annotations

import re
from typing import Any

_LONE = re.compile("[\ud800-\udfff]")  # a valid pair is one astral character once decoded
_ESCAPED = re.compile(r"\\u[dD][89a-fA-F]")  # how JSON text spells a surrogate


def scrub(text: str) -> str:
    return _LONE.sub("\ufffd", text)


def may_hold(json_text: str) -> bool:
    """Whether JSON text spells any surrogate (most never do: then nothing needs a walk)."""
    return _ESCAPED.search(json_text) is not None


def scrub_all(value: Any) -> Any:
    """A decoded JSON value with every string (keys too) scrubbed."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [scrub_all(v) for v in value]
    if isinstance(value, dict):
        return {scrub(k): scrub_all(v) for k, v in value.items()}
    return value
