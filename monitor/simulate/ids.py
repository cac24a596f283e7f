"""Deterministic provider-shaped ids and timestamps for simulated pages."""

from __future__ import annotations

import hashlib
import time
from email.utils import formatdate

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _digest(*parts: object) -> int:
    material = "|".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(material).digest()[:16], "big")


def statuspage_id(*parts: object) -> str:
    """A 12-character base-36 id like Statuspage's (`kctbh9vrtdwd`)."""
    value = _digest(*parts)
    return "".join(_BASE36[(value >> (6 * i)) % 36] for i in range(12))


def ulid(at: float, *parts: object) -> str:
    """A 26-character ULID-shaped id (48-bit ms time + 80 bits from the parts), like incident.io."""
    value = (int(at * 1000) << 80) | (_digest(*parts) & ((1 << 80) - 1))
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def iso(at: float) -> str:
    """`2026-09-04T11:00:00.123Z`: UTC with milliseconds, as Statuspage and incident.io write."""
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at))
    return f"{whole}.{int(at * 1000) % 1000:03d}Z"


def http_date(at: float) -> str:
    return formatdate(at, usegmt=True)
