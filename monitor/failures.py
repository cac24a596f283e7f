"""One line a person reads for each way an HTTP request can fail without an answer.

requests and urllib3 wrap the cause in two or three layers (`HTTPSConnectionPool(host=…):
Max retries exceeded with url: … (Caused by NameResolutionError(…))`); the log wants
"cannot resolve status.openai.com", "connection refused by 127.0.0.1:8094".
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import requests
from urllib3 import exceptions as u3


def describe(exc: BaseException, url: str, timeout: float) -> str:
    """What went wrong asking `url` (its host named, never its path or query)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    where = parts.netloc.rpartition("@")[2] or host
    chain = _chain(exc)
    if any(isinstance(e, u3.NameResolutionError) for e in chain):
        return f"cannot resolve {host}"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return f"connection refused by {where}"
    if any(isinstance(e, (u3.ConnectTimeoutError, requests.ConnectTimeout)) for e in chain):
        return f"could not connect to {where} within {timeout:g}s"
    if any(isinstance(e, (TimeoutError, u3.ReadTimeoutError, requests.Timeout)) for e in chain):
        return f"timed out after {timeout:g}s"
    if any(isinstance(e, (ssl.SSLError, u3.SSLError, requests.exceptions.SSLError)) for e in chain):
        tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
        detail = getattr(tls, "reason", None) or "handshake failed"
        return f"TLS error with {where}: {str(detail).lower().replace('_', ' ')}"
    if any(isinstance(e, u3.DecodeError) for e in chain):
        return f"{where} sent a body that does not decode as its Content-Encoding says"
    if any(isinstance(e, (ConnectionResetError, u3.ProtocolError)) for e in chain):
        return f"connection to {where} broke off mid-answer"
    if any(isinstance(e, (u3.NewConnectionError, OSError)) for e in chain):
        os_error = next((e for e in chain if isinstance(e, OSError) and e.strerror), None)
        reason = os_error.strerror.lower() if os_error and os_error.strerror else "failed"
        return f"cannot connect to {where}: {reason}"
    if isinstance(exc, requests.exceptions.InvalidURL):
        return f"invalid URL for {host}"
    return f"request to {where} failed ({type(exc).__name__})"


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps (args, `reason`) and what caused it, without repeats."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested += [a for a in current.args if isinstance(a, BaseException)]
        todo += [n for n in nested if isinstance(n, BaseException)]
    return seen
