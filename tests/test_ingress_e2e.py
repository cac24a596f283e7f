"""Real webhook captures through the real app, the real broker, a real poll worker and notifier:
each update is printed once, whether it comes twice, or by webhook and by poll in either order.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from monitor import keys, store
from monitor.config import load_pages
from monitor.events import StatusEvent
from monitor.ingest import PageBusy, ingest
from monitor.registry import sync_pages
from monitor.settings import Settings, WebSettings
from monitor.web.ingress import create_app
from tests.paths import GOLDEN
from tests.support.celery_workers import Workers
from tests.support.keyspace import wait_for_key
from tests.support.pageserver import PageServer
from tests.support.procs import records
from tests.support.web import (
    CAPTURES,
    HMAC_SECRET,
    capture,
    hmac_headers,
    write_pages,
)
from workers.celery_app import app as celery
from workers.tasks import poll, tick

SUMMARY = "/api/v2/summary.json"


def expected(name: str) -> str:
    """The capture's line, as `statusmon parse` prints it (tests/golden)."""
    golden = GOLDEN / (Path(CAPTURES[name]).name + ".txt")
    [record] = records(golden.read_text(encoding="utf-8").splitlines())
    return record


@pytest.fixture
def client(tmp_path: Path, r: store.Redis, pages: PageServer, redis_url: str) -> FlaskClient:
    """One page per capture, all served by the loopback page server, all known to the workers."""
    webhook = {"secrets": [HMAC_SECRET]}
    listed = [
        {"id": name, "name": "Example", "url": pages.url, "kind": "statuspage", "webhook": webhook}
        for name in CAPTURES
    ]
    path = write_pages(tmp_path, listed)
    sync_pages(r, load_pages(path), time.time())
    settings = Settings(redis_url, str(path), web=WebSettings(rate_limit="1000/minute"))
    return create_app(settings).test_client()


def handled(task_id: str) -> tuple[dict[str, Any], list[str]]:
    """Wait for a task and for every notify task it sent; their outcomes."""
    result: dict[str, Any] = celery.AsyncResult(task_id).get(timeout=60)
    return result, [celery.AsyncResult(t).get(timeout=60) for t in result["notify"]]


def post(
    client: FlaskClient, name: str, body: bytes | None = None
) -> tuple[list[str], tuple[str, list[str]] | None]:
    """Post a capture (or `body`, for its page); wait for its ingest, its lines and its hint
    poll (when one was sent)."""
    body = capture(name) if body is None else body
    response = client.post(f"/webhook/{name}", data=body, headers=hmac_headers(body))
    assert response.status_code == 202, response.get_json()
    result, printed = handled(response.get_json()["task"])
    assert result["outcome"] == "ingested"
    if result["hint"] is None:
        return printed, None
    hint, hint_printed = handled(result["hint"])
    return printed, (hint["outcome"], hint_printed)


def poll_now(page_id: str) -> tuple[str, list[str]]:
    result, printed = handled(poll.delay(page_id).id)
    return result["outcome"], printed


def summary_like(name: str) -> dict[str, Any]:
    """The summary.json the provider would serve right after sending the capture."""
    payload = json.loads(capture(name))
    incident = copy.deepcopy(payload.get("incident"))
    components = [payload["component"]] if "component" in payload else []
    components += incident.get("components", []) if incident else []
    page = {**payload["page"], "name": "Example", "updated_at": "2017-12-26T08:00:00Z"}
    return {"page": page, "components": components, "incidents": [incident] if incident else []}


def test_each_real_capture_prints_its_line_once_and_a_repost_prints_nothing(
    client: FlaskClient, workers: Workers
) -> None:
    before = len(workers.notifier.lines)
    for name in CAPTURES:
        printed, hint = post(client, name)
        assert printed == ["printed"]
        assert hint == ("error", [])  # the hint poll ran; this page serves no summary.json
    for name in CAPTURES:
        body = capture(name)
        again = client.post(f"/webhook/{name}", data=body, headers=hmac_headers(body))
        assert (again.status_code, again.get_json()["status"]) == (200, "duplicate")
        reserialized = json.dumps(json.loads(body)).encode()  # other bytes: not a replay
        assert post(client, name, reserialized)[0] == []  # nothing new: no notify task at all
    lines = workers.notifier.wait_lines(before + 2 * len(CAPTURES))
    assert records(lines[before:]) == [expected(name) for name in CAPTURES]


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_a_webhook_then_a_poll_of_the_same_update_prints_once(
    client: FlaskClient, pages: PageServer, workers: Workers, name: str
) -> None:
    pages.set_json(SUMMARY, summary_like(name))
    before = len(workers.notifier.lines)
    printed, hint = post(client, name)
    assert printed == ["printed"]
    assert hint == ("changed", [])  # the hint poll read the same update: nothing to add
    assert poll_now(name) == ("not_modified", [])
    lines = workers.notifier.wait_lines(before + 2)
    assert records(lines[before:]) == [expected(name)]


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_a_poll_then_a_webhook_of_the_same_update_prints_once(
    client: FlaskClient, pages: PageServer, workers: Workers, name: str
) -> None:
    pages.set_json(SUMMARY, summary_like(name))
    before = len(workers.notifier.lines)
    assert poll_now(name) == ("changed", ["printed"])
    printed, hint = post(client, name)
    assert printed == []
    assert hint == ("not_modified", [])
    lines = workers.notifier.wait_lines(before + 2)
    assert records(lines[before:]) == [expected(name)]


def test_health_sees_redis_the_broker_and_the_real_workers_and_beat(
    client: FlaskClient, r: store.Redis, workers: Workers
) -> None:
    assert client.get("/health").status_code == 503  # the keyspace was just cleaned
    for role in ("poll", "notifier"):  # workers/heartbeats.py, every 2 s even when idle
        wait_for_key(r, keys.alive(role))
    tick.delay()  # what beat sends every second
    wait_for_key(r, keys.alive("beat"))
    response = client.get("/health")
    assert response.status_code == 200, response.get_json()
    health = response.get_json()
    assert (health["redis"], health["broker"]) == ("ok", "ok")


def test_a_webhook_waits_for_a_busy_page_and_emits_nothing_if_it_stays_busy(
    r: store.Redis, tmp_path: Path
) -> None:
    [page] = load_pages(write_pages(tmp_path, [{"id": "held", "name": "E", "url": "http://x"}]))
    emitted: list[StatusEvent] = []
    payload = json.loads(capture("atlassian"))
    lock = r.lock(keys.lock(page.id), timeout=60)
    assert lock.acquire()
    with pytest.raises(PageBusy):
        ingest(r, page, payload, emitted.extend, datetime.now(UTC), lock_wait=0.2)
    assert emitted == [] and store.load_state(r, page.id) is None
    lock.release()
    events = ingest(r, page, payload, emitted.extend, datetime.now(UTC), lock_wait=0.2)
    assert [e.update_id for e in events] == ["drfcwbnpxnr6"] and emitted == events
    assert [e.source for e in events] == ["webhook"]


def test_a_webhook_whose_title_is_cut_inside_an_emoji_prints_once_with_a_replacement(
    client: FlaskClient, workers: Workers
) -> None:
    name = "incident"
    payload = json.loads(capture(name))
    for update in payload["incident"]["incident_updates"]:
        update["body"] = "Errors \ud83d"  # a lone surrogate: valid JSON, no UTF-8
    body = json.dumps(payload).encode()  # ensure_ascii: spelled \\ud83d, as a sender would
    before = len(workers.notifier.lines)
    printed, _ = post(client, name, body)
    assert printed == ["printed"]
    lines = workers.notifier.wait_lines(before + 2)[before:]
    assert "Errors \ufffd" in " ".join(lines) and "\ud83d" not in " ".join(lines)
