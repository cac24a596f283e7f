"""A web worker hands each live stream to the stream process (monitor/web/streamer.py).

An SSE viewer holds its connection for as long as the board is open: 500 of them in a web
worker meant every printed event woke 500 greenlets of the hub that also serves webhooks, and
a webhook that came in meanwhile waited for all of them. So the worker only answers the head:
`Handoff` runs the app as for any request (BOARD_AUTH, the route, the headers); when the answer
is a 200 `text/event-stream`, it sends the client's socket (SCM_RIGHTS) with the response head
and the client's Last-Event-ID to the stream process, and lets go of the connection (gunicorn
closes its own descriptor of it; the stream process holds the other). The stream process runs
below the web workers' priority (WEB_STREAM_NICE).

The inbox is a SOCK_SEQPACKET socket the gunicorn master made (monitor/web/stream_process.py),
its descriptor in STATUSMON_STREAM_FD. A send never waits: when the inbox is full (the stream
process is not reading) or gone, or there is no inbox (tests, a plain WSGI server), the worker
serves the stream itself, as the app's route does; so does a worker that terminates TLS
itself (its socket's TLS state cannot be handed over; nginx in front is the usual setup).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from gevent import monkey

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("statusmon.stream")
FD_ENV = "STATUSMON_STREAM_FD"
STREAM_PATH = "/api/v1/stream"
DROPPED = {"content-length", "transfer-encoding", "connection"}  # the stream process frames it


class Handoff:
    def __init__(self, app: WSGIApplication, inbox: socket.socket | None) -> None:
        self.app, self.inbox = app, inbox
        self.warned = False

    def __call__(self, req: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        client = req.get("gunicorn.socket")
        if self.inbox is None or req.get("PATH_INFO") != STREAM_PATH:
            return self.app(req, start_response)
        if client is None or isinstance(client, ssl.SSLSocket):  # TLS state stays here
            return self.app(req, start_response)
        answer: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return _unused_write

        body = self.app(req, capture)
        status, headers = answer
        kind = next((v for k, v in headers if k.lower() == "content-type"), "")
        streamed = status.startswith("200 ") and kind.startswith("text/event-stream")
        if streamed and self.give(client, head(status, headers), req):
            if hasattr(body, "close"):
                body.close()  # never iterated: the worker's own stream never starts
            # gunicorn ends the connection on StopIteration: its keep-alive loop reads no more
            # from a socket that is the stream process's now, and closes only its descriptor.
            raise StopIteration("handed to the stream process")
        start_response(status, headers)
        return body

    def give(self, client: socket.socket, head_bytes: bytes, req: WSGIEnvironment) -> bool:
        assert self.inbox is not None
        last = req.get("HTTP_LAST_EVENT_ID")
        note = {"head": head_bytes.decode("latin-1"), "last": last, "at": time.time()}
        try:
            socket.send_fds(self.inbox, [json.dumps(note).encode()], [client.fileno()])
        except OSError as exc:  # full (not reading) or gone: this worker serves it
            if not self.warned:
                log.warning(
                    "the stream process is not taking streams (%s): this web worker serves them",
                    type(exc).__name__,
                )
                self.warned = True
            return False
        self.warned = False
        return True


def head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in DROPPED]
    lines.append("Connection: close")  # the stream runs until either side closes it
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def inbox_from_env(env: dict[str, str] | os._Environ[str] = os.environ) -> socket.socket | None:
    """The master's inbox, as a plain (never gevent's) non-blocking socket: a send is one
    syscall that either queues the message or fails at once."""
    raw = env.get(FD_ENV, "")
    if not raw.isdigit():
        return None
    plain: type[socket.socket] = monkey.get_original("socket", "socket")
    try:
        inbox = plain(fileno=int(raw))
    except OSError:
        return None
    inbox.setblocking(False)
    return inbox


def _unused_write(data: bytes) -> None:
    raise RuntimeError("the stream route writes through its body, not start_response's write")
