"""Typed readers for untrusted JSON: a wrong type is a ParseError naming the path, never a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from dateutil import parser as dateparser

from monitor.errors import ParseError
from monitor.surrogates import may_hold, scrub_all


def loads(body: bytes | str, what: str) -> Any:
    """JSON from a page: lone surrogates (valid JSON, unencodable) become U+FFFD."""
    if isinstance(body, bytes):
        body = body.decode("utf-8-sig", errors="strict") if _utf8(body) else _utf16(body, what)
    try:
        data = json.loads(body)
    except ValueError as exc:
        head = body.lstrip()[:1]
        hint = "an HTML page (a CDN challenge?)" if head == "<" else "not JSON (truncated?)"
        raise ParseError(f"{what}: {hint}: {exc}") from None
    return scrub_all(data) if may_hold(body) else data


def _utf8(body: bytes) -> bool:
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _utf16(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-16")
    except UnicodeDecodeError:
        raise ParseError(f"{what}: neither UTF-8 nor UTF-16 text") from None


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParseError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def arr(value: Any, where: str, *, optional: bool = False) -> list[Any]:
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def text(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ParseError(f"{where}: expected a string, got {type(value).__name__}")
    return str(value)


def opt_text(value: Any, where: str) -> str | None:
    return None if value is None else text(value, where)


def when(value: Any, where: str) -> datetime:
    raw = text(value, where)
    try:
        parsed: datetime = dateparser.isoparse(raw) if "T" in raw else dateparser.parse(raw)
    except (ValueError, OverflowError):
        raise ParseError(f"{where}: {raw!r} is not a timestamp") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def opt_when(value: Any, where: str) -> datetime | None:
    return None if value in (None, "") else when(value, where)


def stamp(value: Any) -> datetime | None:
    """A stamp that only orders views (monitor.ordering): None when absent or unreadable, never
    a ParseError: a bad stamp must not cost the update it came with."""
    try:
        return opt_when(value, "stamp")
    except ParseError:
        return None
