"""BOARD_AUTH: who may read the board, its API, stream, feeds and badges.

Unset: everyone who reaches the web process (it binds to loopback by default). `user:password`
(several: comma-separated): HTTP basic auth. Anything else is a token: `Authorization: Bearer
<token>`, or basic auth with any user name and the token as password (what a browser can
send). Comparisons are constant-time. Webhooks, /health and /metrics keep their own rules.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

CHALLENGE = {"WWW-Authenticate": 'Basic realm="statusmon board", charset="UTF-8"'}


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def allowed(board_auth: str | None, authorization: str | None) -> bool:
    if board_auth is None:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    scheme, given = scheme.lower(), given.strip()
    pairs = [p.partition(":") for p in board_auth.split(",")] if ":" in board_auth else []
    if scheme == "bearer":
        return not pairs and _same(given, board_auth)
    if scheme != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(given, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    if not sep:
        return False
    if not pairs:
        return _same(password, board_auth)
    matches = [_same(user, u) & _same(password, pw) for u, _, pw in pairs]
    return any(matches)


def protect(blueprint: Blueprint, board_auth: str | None) -> Blueprint:
    """Every route of `blueprint` answers 401 without the credentials BOARD_AUTH names."""

    @blueprint.before_request
    def only_allowed() -> ResponseReturnValue | None:
        if allowed(board_auth, request.headers.get("Authorization")):
            return None
        return jsonify(error="authentication required"), 401, CHALLENGE

    return blueprint
