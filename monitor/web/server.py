"""The web app as gunicorn's gevent worker serves it to the internet: `monitor.web.server:app()`.

Around the Flask app of monitor.web.ingress, three WSGI layers (the outermost first):
- Handoff (monitor.web.handoff): a live stream's answer is handed, with its connection, to the
  stream process that the master started (monitor.web.gunicorn_conf).
- BodyDeadline: a request's body (at most WEBHOOK_MAX_BYTES + 1 bytes) is read within
  WEB_BODY_TIMEOUT seconds of its head, before the app runs, and handed to it whole (a chunked
  one with its length); a client that trickles it is answered 408 and its connection closed.
  The head's own limit is gunicorn's: under the gevent worker `--keep-alive` bounds the wait
  for a whole request head (WEB_HEADER_TIMEOUT).
- TrustedProxies: X-Forwarded-For sets the client address (rate limits, logs) only on requests
  from WEB_TRUSTED_PROXIES (e.g. the nginx in front, docs/reverse-proxy.md); from anyone else
  the header is ignored, so a client cannot choose its own address.

The deadline is a gevent timer: it needs the gevent worker (`statusmon proc web`). A slow client
holds one greenlet and one connection (WEB_WORKER_CONNECTIONS per worker), never
a worker: the next client is served meanwhile.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import logging
import socket
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import gevent
from werkzeug.middleware.proxy_fix import ProxyFix

from monitor.settings import Network, load_settings
from monitor.web.handoff import Handoff, inbox_from_env
from monitor.web.ingress import create_app

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("statusmon.web")
CHUNK = 64 * 1024
TIMED_OUT = b'{"error":"Request Timeout"}\n'


def app() -> WSGIApplication:
    """gunicorn's app: the ingress app (which exits 3 on a bad config) behind both layers."""
    flask_app = create_app()
    web = load_settings().web
    inner = BodyDeadline(flask_app.wsgi_app, web.body_timeout, web.max_bytes)
    proxied = TrustedProxies(inner, web.trusted_proxies)
    flask_app.wsgi_app = Handoff(proxied, inbox_from_env())  # type: ignore[method-assign,assignment]
    return flask_app


class BodyDeadline:
    def __init__(self, app: WSGIApplication, seconds: float, max_bytes: int) -> None:
        self.app, self.seconds, self.max_bytes = app, seconds, max_bytes

    def __call__(self, req: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        declared = req.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > self.max_bytes:
            return self.app(req, start_response)  # refused (413) without reading it
        deadline = gevent.Timeout(self.seconds)  # one timer for the whole body, however sent
        try:
            with deadline:
                body = _read(req["wsgi.input"], self.max_bytes + 1)
        except gevent.Timeout as exc:
            if exc is not deadline:
                raise
            log.warning(
                "%s %s from %s: body not in within %gs; answered 408 and closed",
                req.get("REQUEST_METHOD"),
                req.get("PATH_INFO"),
                req.get("REMOTE_ADDR"),
                self.seconds,
            )
            headers = [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(TIMED_OUT))),
            ]
            start_response("408 Request Timeout", headers)
            return Closing(req.get("gunicorn.socket"))
        # The app sees a plain body of known length, however it was sent: over the limit, it
        # answers 413 (werkzeug would cut a chunked body at the limit without a word).
        req["wsgi.input"], req["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        req.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(req, start_response)


def _read(stream: Any, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while size < limit and (part := stream.read(min(CHUNK, limit - size))):
        parts.append(part)
        size += len(part)
    return b"".join(parts)


class Closing:
    """The 408 answer; once gunicorn has sent it, the connection is shut down: nothing more
    is read from a client already too slow (gunicorn keeps HTTP/1.1 connections open)."""

    def __init__(self, sock: socket.socket | None) -> None:
        self.sock = sock

    def __iter__(self) -> Iterator[bytes]:
        yield TIMED_OUT

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):  # already gone
                self.sock.shutdown(socket.SHUT_RDWR)


class TrustedProxies:
    def __init__(self, app: WSGIApplication, trusted: tuple[Network, ...]) -> None:
        self.app, self.trusted = app, trusted
        self.forwarded = ProxyFix(app, x_for=1, x_proto=1)  # the last hop's word, one hop

    def __call__(self, req: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.trusted and _within(req.get("REMOTE_ADDR", ""), self.trusted):
            return self.forwarded(req, start_response)
        return self.app(req, start_response)


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # a unix socket peer: no address to trust
    return any(ip in network for network in networks)
