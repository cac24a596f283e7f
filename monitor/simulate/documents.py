"""A served body with its validators, and the conditional-GET rule (RFC 9110 §13).

If-None-Match wins over If-Modified-Since; weak comparison; `*` matches. A 304 carries the
ETag, Cache-Control and Vary a 200 would have. Bodies are gzipped when the client asks (as a
CDN does), once per document.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from monitor.simulate.http import Request, Response
from monitor.simulate.ids import http_date

# githubstatus.com, 2026 capture (FORMATS.md §1).
CACHE_CONTROL = "max-age=10, public, s-maxage=10, stale-while-revalidate=20, stale-if-error=3600"
JSON = "application/json; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"


@dataclass
class Document:
    body: bytes
    content_type: str
    etag: str
    last_modified: float
    _gzipped: bytes | None = field(default=None, repr=False)

    @classmethod
    def make(cls, body: bytes, content_type: str, now: float, old: Document | None) -> Document:
        """A new document, or `old` itself when the body did not change (same validators)."""
        if old is not None and old.body == body:
            return old
        return cls(body, content_type, 'W/"' + hashlib.md5(body).hexdigest() + '"', now)

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, 6, mtime=0)
        return self._gzipped


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def not_modified(doc: Document, request: Request) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = [t.strip() for t in match.split(",")]
        return "*" in tags or _opaque(doc.etag) in {_opaque(t) for t in tags}
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return int(doc.last_modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def respond(doc: Document, request: Request) -> Response:
    headers = [
        ("Cache-Control", CACHE_CONTROL),
        ("ETag", doc.etag),
        ("Vary", "Accept,Accept-Encoding"),
    ]
    if not_modified(doc, request):
        return Response(304, headers=headers)
    headers += [("Content-Type", doc.content_type), ("Last-Modified", http_date(doc.last_modified))]
    body = doc.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = doc.gzipped()
        headers.append(("Content-Encoding", "gzip"))
    return Response(200, body, headers)
