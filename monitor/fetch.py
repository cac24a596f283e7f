"""Conditional GET: If-None-Match / If-Modified-Since from validators any worker can read.

A 304, or a 200 whose body hashes the same as last time, is "unchanged". New validators are
returned, not saved: the caller commits them only after the body was parsed and acted on, so a
body that failed to parse is fetched and parsed again next time.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from monitor.errors import FetchError
from monitor.store import Validators

USER_AGENT = "statusmon/0.1 (+https://github.com/statusmon)"
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    changed: bool
    body: bytes | None
    validators: Validators
    status: int
    size: int  # bytes received


class Session(requests.Session):
    """requests reads proxies and CA bundles from the environment again on every request (two
    scans of os.environ per GET, ~10 % of a 304 poll's CPU); they cannot change under a running
    process, so they are read once per scheme and host."""

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, str], Any] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        if proxies or stream is not None or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(str(url))
        key = (parts.scheme, parts.netloc)
        if key not in self._environment:
            self._environment[key] = super().merge_environment_settings(url, {}, None, None, None)
        settings = self._environment[key]
        return {**settings, "proxies": dict(settings["proxies"])}


def new_session(connections: int = 10) -> requests.Session:
    """`connections`: kept-alive connections per host, one per thread that may poll it at once
    (urllib3 drops, and later reopens, any connection beyond its pool's size)."""
    session = Session()
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json, */*;q=0.5"
    del session.headers["Connection"]  # HTTP/1.1 keeps connections alive without it
    adapter = HTTPAdapter(pool_connections=connections, pool_maxsize=connections)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def conditional_headers(old: Validators) -> dict[str, str]:
    """A server that sent an ETag ignores If-Modified-Since beside If-None-Match (RFC 9110)."""
    if old.etag:
        return {"If-None-Match": old.etag}
    return {"If-Modified-Since": old.last_modified} if old.last_modified else {}


def conditional_get(
    session: requests.Session, url: str, old: Validators, timeout: float
) -> Fetched:
    response = get(session, url, timeout, conditional_headers(old))
    if response.status_code == 304:
        return Fetched(False, None, old, 304, 0)
    body = response.content
    digest = hashlib.sha256(body).hexdigest()
    new = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"), digest)
    return Fetched(digest != old.body_hash, body, new, response.status_code, len(body))


def plain_get(session: requests.Session, url: str, timeout: float) -> bytes | None:
    """A follow-up read: the body, or None when the server says it does not exist."""
    try:
        return get(session, url, timeout, {}).content
    except FetchError as exc:
        if exc.transient:
            raise
        return None


def get(
    session: requests.Session, url: str, timeout: float, headers: dict[str, str]
) -> requests.Response:
    try:
        response = session.get(url, headers=headers, timeout=(timeout, timeout))
    except requests.RequestException as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}", transient=True) from None
    code = response.status_code
    if code == 304 or 200 <= code < 300:
        return response
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    transient = code in (408, 420, 425, 429) or code >= 500
    raise FetchError(f"HTTP {code}", transient=transient, status=code, retry_after=retry_after)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now or time.time()))
