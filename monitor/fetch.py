"""Conditional GET: If-None-Match / If-Modified-Since from validators any worker can read.

A 304, or a 200 whose body hashes the same as last time, is "unchanged". New validators are
returned, not saved: the caller commits them only after the body was parsed and acted on, so a
body that failed to parse is fetched and parsed again next time. Each request is bounded in
time, size and redirects by monitor.request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import requests

from monitor.errors import FetchError
from monitor.pace import max_age
from monitor.request import get
from monitor.store import Validators


@dataclass(frozen=True)
class Fetched:
    changed: bool
    body: bytes | None
    validators: Validators
    status: int
    size: int  # bytes received
    max_age: int = 0  # the answer's Cache-Control max-age, seconds (monitor.pace)


def conditional_headers(old: Validators) -> dict[str, str]:
    """A server that sent an ETag ignores If-Modified-Since beside If-None-Match (RFC 9110)."""
    if old.etag:
        return {"If-None-Match": old.etag}
    return {"If-Modified-Since": old.last_modified} if old.last_modified else {}


def conditional_get(
    session: requests.Session, url: str, old: Validators, timeout: float
) -> Fetched:
    answer = get(session, url, timeout, conditional_headers(old))
    if answer.status == 304:
        return Fetched(False, None, old, 304, 0)
    body = answer.body
    digest = hashlib.sha256(body).hexdigest()
    headers = answer.headers
    new = Validators(headers.get("ETag"), headers.get("Last-Modified"), digest)
    age = max_age(headers.get("Cache-Control"))
    return Fetched(digest != old.body_hash, body, new, answer.status, len(body), age)


def plain_get(session: requests.Session, url: str, timeout: float) -> bytes | None:
    """A follow-up read: the body, or None when the server says it does not exist or will
    never give it (any permanent failure: a 4xx, a body over the limit, a refused redirect),
    so that the caller closes what it looked for instead of failing every poll of the page."""
    try:
        return get(session, url, timeout, {}).body
    except FetchError as exc:
        if exc.transient:
            raise
        return None
