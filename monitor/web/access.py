"""Who may read /metrics: the holder of METRICS_TOKEN (`Authorization: Bearer <token>`), or,
when no token is set, clients on the loopback interface only (a Prometheus beside the process,
the container's own healthcheck). The web port also takes webhooks from the internet; the
counters name every page and how often each is polled, so they are not for everyone.

A token rather than a second, internal port: one gunicorn bind, the same behind any proxy or
port mapping, and Prometheus sends it natively (`authorization: {credentials_file: …}`).
When a token is set, loopback clients need it too: a reverse proxy on the same host would
otherwise make every client look local.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

REALM = {"WWW-Authenticate": 'Bearer realm="statusmon metrics"'}


def allowed(token: str | None, remote_addr: str | None, authorization: str | None) -> bool:
    if token is None:
        return _loopback(remote_addr)
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _loopback(remote_addr: str | None) -> bool:
    try:
        return ipaddress.ip_address(remote_addr or "").is_loopback
    except ValueError:
        return False  # a unix socket or no address: not known to be local


def guard(blueprint: Blueprint, token: str | None) -> Blueprint:
    """Every route of `blueprint` answers 401 (token set) or 403 (loopback only) to others."""

    @blueprint.before_request
    def only_allowed() -> ResponseReturnValue | None:
        if allowed(token, request.remote_addr, request.headers.get("Authorization")):
            return None
        if token is None:
            return jsonify(error="metrics are served to loopback clients only"), 403
        return jsonify(error="bearer token required"), 401, REALM

    return blueprint
