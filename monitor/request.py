"""One GET of a status page, bounded: a status page is untrusted input.

- `timeout` is the whole request's: connect, headers, every redirect and the body
  (monitor.deadline); past it, a transient FetchError "took longer than Ns";
- the body is read a chunk at a time and refused past the session's `max_body` bytes,
  decoded (a small gzip body cannot inflate past it) or declared in Content-Length: a
  permanent FetchError, since a page too big now is as big at its next poll;
- redirects are followed here, at most MAX_REDIRECTS, by monitor.redirects' policy;
- a request that gets no answer fails with one line a person reads (monitor.failures);
  an HTTP error status is "HTTP 503", transient for 408/420/425/429/5xx, with Retry-After.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import cast
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from urllib3 import exceptions as u3

from monitor import deadline, redirects
from monitor.errors import FetchError
from monitor.failures import describe
from monitor.session import MAX_BODY, MAX_REDIRECTS, Session

CHUNK = 64 * 1024  # bytes read (and decoded) at a time
DRAIN = 64 * 1024  # bytes of an error or redirect body read to keep the connection


@dataclass(frozen=True)
class Answer:
    status: int  # 2xx or 304
    headers: CaseInsensitiveDict[str]
    body: bytes


def get(session: requests.Session, url: str, timeout: float, headers: dict[str, str]) -> Answer:
    """A 2xx or 304 answer from `url`, whatever it redirected to; else a FetchError."""
    ours = isinstance(session, Session)
    hops = session.max_redirects if ours else MAX_REDIRECTS
    private = ours and cast(Session, session).private_redirects
    until = time.monotonic() + timeout
    with deadline.within(until) as cutter:
        current, public_only = url, False
        try:
            for _ in range(hops + 1):
                answer = _ask(session, current, headers, timeout, until, public_only, cutter)
                if isinstance(answer, Answer):
                    if cutter.expired:  # cut short at the deadline: not a whole body
                        break
                    return answer
                current, public_only = redirects.follow(url, current, answer, private)
            else:
                raise FetchError(f"more than {hops} redirects", transient=False)
        except (requests.RequestException, u3.HTTPError, OSError) as exc:
            if not cutter.expired and time.monotonic() < until:
                raise FetchError(describe(exc, current, timeout), transient=True) from None
        except ValueError as exc:  # requests reading an answer it cannot (a plain Session)
            raise FetchError(f"unusable answer ({exc})", transient=False) from None
    raise FetchError(f"took longer than {timeout:g}s", transient=True)


def _ask(
    session: requests.Session,
    url: str,
    headers: dict[str, str],
    timeout: float,
    until: float,
    public_only: bool,
    cutter: deadline.Cutter,
) -> Answer | str:
    """One hop: the answer, or where it redirects to. `public_only`: a redirect target that
    must be public, checked again on the address connected to, before its answer is read."""
    left = until - time.monotonic()
    if left <= 0:
        raise TimeoutError
    with session.get(
        url,
        headers=headers,
        timeout=(min(timeout, left), left),
        allow_redirects=False,
        stream=True,
    ) as response:
        if public_only:
            redirects.peer_check(url, cutter.peer)
        code = response.status_code
        if code == 304 or 200 <= code < 300:
            limit = session.max_body if isinstance(session, Session) else MAX_BODY
            return Answer(code, response.headers, _body(response, url, limit, until))
        _body(response, url, DRAIN, until, keep=False)
        if response.is_redirect:
            return str(response.headers["Location"])
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    transient = code in (408, 420, 425, 429) or code >= 500
    raise FetchError(f"HTTP {code}", transient=transient, status=code, retry_after=retry_after)


def _body(
    response: requests.Response, url: str, limit: int, until: float, keep: bool = True
) -> bytes:
    """The decoded body, refused past `limit` bytes (declared or read) or past `until`.
    keep=False: read (undecoded) what fits in `limit` only so that the connection can be
    reused, and return nothing."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        if not keep:
            return b""
        raise _too_big(url, limit, f"declares {int(declared)} bytes")
    parts: list[bytes] = []
    size = 0
    for chunk in response.raw.stream(CHUNK, decode_content=keep):
        if time.monotonic() > until:  # the deadline's watchdog cuts a blocked read; this,
            raise TimeoutError  # a stream that never blocks
        size += len(chunk)
        if size > limit:
            if not keep:
                return b""
            raise _too_big(url, limit, f"ran past {limit} bytes")
        if keep:
            parts.append(chunk)
    return b"".join(parts)


def _too_big(url: str, limit: int, what: str) -> FetchError:
    host = urlsplit(url).netloc.rpartition("@")[2]
    return FetchError(
        f"response from {host} {what}: over the {limit}-byte limit (MONITOR_MAX_BODY)",
        transient=False,
    )


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
    if when.tzinfo is None:  # "-0000": an HTTP date is UTC
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now or time.time()))
