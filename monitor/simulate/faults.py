"""Fault modes a simulated page can answer with instead of its document.

429 + Retry-After, 5xx error pages, slow responses, a CDN's HTML challenge, truncated JSON
(framing intact, body cut) and a connection reset mid-body. A fault lasts `count` responses or
until a time; `path` limits it to requests whose page-relative path starts with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.simulate.documents import JSON
from monitor.simulate.http import Response

MODES = ("429", "500", "502", "503", "504", "slow", "challenge", "truncated", "reset")
HTML = "text/html; charset=UTF-8"
# The shape of Cloudflare's managed challenge (403 + `cf-mitigated: challenge`), abridged.
CHALLENGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    b'<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
    b'<meta name="robots" content="noindex,nofollow"></head><body><div class="main-wrapper" '
    b'role="main"><div class="main-content"><noscript><div class="h2"><span '
    b'id="challenge-error-text">Enable JavaScript and cookies to continue</span></div>'
    b"</noscript></div></div></body></html>"
)
NO_STORE = "private, max-age=0, no-store, no-cache, must-revalidate"


@dataclass
class Fault:
    mode: str
    count: int | None = 1  # responses left; None: until `until`
    until: float | None = None
    retry_after: int = 5
    delay: float = 2.0
    status: int | None = None
    path: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any], now: float) -> Fault:
        seconds = args.get("seconds")
        return cls(
            mode=str(args["mode"]),
            count=None if seconds is not None else int(args.get("count", 1)),
            until=now + float(seconds) if seconds is not None else None,
            retry_after=int(args.get("retry_after", 5)),
            delay=float(args.get("delay", 2.0)),
            status=int(args["status"]) if args.get("status") is not None else None,
            path=args.get("path"),
        )

    def live(self, now: float) -> bool:
        return (self.count or 0) > 0 if self.until is None else now < self.until

    def applies(self, rel_path: str) -> bool:
        return self.path is None or rel_path.startswith(self.path)

    def take(self) -> None:
        if self.count is not None:
            self.count -= 1

    def respond(self, normal: Callable[[], Response], body: bytes) -> Response:
        """The faulty response; `normal` is what the page would have said, `body` its JSON."""
        mode = self.mode
        if mode == "slow":
            response = normal()
            response.delay = self.delay
            return response
        if mode == "429":
            return _page(
                self.status or 429, "Too Many Requests", [("Retry-After", str(self.retry_after))]
            )
        if mode in ("500", "502", "503", "504"):
            return _page(self.status or int(mode), _REASONS[mode], [])
        if mode == "challenge":
            headers = [
                ("Content-Type", HTML),
                ("Cache-Control", NO_STORE),
                ("cf-mitigated", "challenge"),
                ("Server", "cloudflare"),
            ]
            return Response(self.status or 403, CHALLENGE, headers)
        if mode == "truncated":
            return Response(self.status or 200, body[: len(body) // 2], [("Content-Type", JSON)])
        return Response(200, body, [("Content-Type", JSON)], cut=len(body) // 2)  # reset


_REASONS = {
    "500": "Internal Server Error",
    "502": "Bad Gateway",
    "503": "Service Unavailable",
    "504": "Gateway Timeout",
}


def _page(status: int, reason: str, headers: list[tuple[str, str]]) -> Response:
    title = f"{status} {reason}"
    body = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return Response(
        status, body.encode(), [("Content-Type", HTML), ("Cache-Control", NO_STORE), *headers]
    )
