"""The webhook app under test: its pages (one per scheme), built on the suite's real Redis with a
broker queue of its own (a Redis database no worker consumes, so it can be counted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from monitor.settings import Settings, WebSettings
from monitor.web.ingress import create_app
from tests.support.web import HMAC_SECRET, STANDARD_SECRET, TOKEN, write_pages

NEW_SECRET = "the-new-secret-after-rotation-of-the-old"
URL = "https://status.example.invalid"
PAGES: list[dict[str, Any]] = [
    {"id": "signed", "name": "Example", "url": URL, "kind": "statuspage",
     "webhook": {"secrets": [NEW_SECRET, HMAC_SECRET]}},
    {"id": "github", "name": "Example", "url": URL, "kind": "statuspage",
     "webhook": {"scheme": "github", "secrets": [HMAC_SECRET]}},
    {"id": "standard", "name": "Example", "url": URL, "kind": "statuspage",
     "webhook": {"scheme": "standard", "secrets": [STANDARD_SECRET]}},
    {"id": "open", "name": "Example", "url": URL, "kind": "statuspage",
     "webhook": {"unsigned": True, "provider_page_id": "jb7j80lkgqvb", "secrets": [TOKEN]}},
    {"id": "quiet", "name": "Example", "url": URL, "kind": "statuspage"},
]  # fmt: skip


def queue_url(redis_url: str) -> str:
    """Database 3 of the suite's Redis: the app's broker, which no worker consumes."""
    return redis_url.rsplit("/", 1)[0] + "/3"


def make_app(folder: Path, redis_url: str, broker: str, pages: Any = None, **kw: Any) -> Flask:
    path = write_pages(folder, PAGES if pages is None else pages)
    kw.setdefault("rate_limit", "100000/minute")
    settings = Settings(redis_url=redis_url, pages_path=str(path), web=WebSettings(**kw))
    return create_app(settings, broker_url=broker)
