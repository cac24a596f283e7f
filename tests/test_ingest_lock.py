"""An ingest's hold on its page: one lease (monitor.lease), not a poll's bound, since it does no
network I/O under the lock. Real Redis; the real Statuspage webhook capture."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from monitor import keys, store
from monitor.config import load_pages
from monitor.events import StatusEvent
from monitor.ingest import ingest
from monitor.lease import LEASE
from tests.paths import FIXTURES
from tests.support.web import HMAC_SECRET, write_pages

PAYLOAD = FIXTURES / "statuspage" / "webhook-incident-created-zulip.json"
PAGES = [{"id": "zulip", "name": "Zulip", "url": "https://status.example.invalid",
          "webhook": {"secrets": [HMAC_SECRET]}}]  # fmt: skip


def test_an_ingest_killed_mid_way_would_free_its_page_within_one_lease(
    r: store.Redis, tmp_path: Path
) -> None:
    [page] = load_pages(write_pages(tmp_path, PAGES))
    held_for: list[int] = []

    def emit(events: list[StatusEvent]) -> None:  # the moment a kill would leave the lock
        held_for.append(r.pttl(keys.lock(page.id)))

    events = ingest(r, page, json.loads(PAYLOAD.read_bytes()), emit, datetime.now(UTC))
    assert events and len(held_for) == 1
    assert 0 < held_for[0] <= LEASE * 1000
    assert r.exists(keys.lock(page.id)) == 0  # released once done
