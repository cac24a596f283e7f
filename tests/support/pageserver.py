"""A real HTTP server on loopback serving status-page payloads, with ETag/304 and fault modes."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True
    last_modified: str | None = None  # an HTTP date: sent, and If-Modified-Since honoured

    @property
    def tag(self) -> str:
        return 'W/"' + hashlib.sha1(self.body).hexdigest() + '"'


class PageServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self._lock = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._serve(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def set(self, path: str, body: bytes | str, status: int = 200, **kw: Any) -> None:
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self.routes[path] = Route(data, status, **kw)

    def set_json(self, path: str, payload: Any, **kw: Any) -> None:
        self.set(path, json.dumps(payload), headers={"Content-Type": "application/json"}, **kw)

    def clear(self) -> None:
        with self._lock:
            self.routes.clear()
            self.hits.clear()
            self.not_modified.clear()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self._lock:
            self.hits[path] += 1
            route = self.routes.get(path)
            self._lock.notify_all()
        if route is None:
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        match = handler.headers.get("If-None-Match", "").strip()
        since = handler.headers.get("If-Modified-Since")
        by_date = route.last_modified is not None and since == route.last_modified
        by_tag = route.etag and match.replace("W/", "") == route.tag[2:]
        if route.status == 200 and (by_tag or by_date):
            with self._lock:
                self.not_modified[path] += 1
            handler.send_response(304)
            handler.send_header("ETag", route.tag)
            handler.end_headers()
            return
        handler.send_response(route.status)
        for key, value in route.headers.items():
            handler.send_header(key, value)
        if route.etag and route.status == 200:
            handler.send_header("ETag", route.tag)
        if route.last_modified and route.status == 200:
            handler.send_header("Last-Modified", route.last_modified)
        handler.send_header("Content-Length", str(len(route.body)))
        handler.end_headers()
        handler.wfile.write(route.body)

    def wait_hits(self, path: str, count: int, timeout: float = 30) -> None:
        """Block until `path` has been requested `count` times in all."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.hits[path] >= count, timeout):
                raise AssertionError(
                    f"{path}: {self.hits[path]} requests in {timeout}s, not {count}"
                )

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
