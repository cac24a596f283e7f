"""The event log on a real Redis: once and only if printed, trimmed by age, read and tailed by
`statusmon events`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor import delivery, eventlog, keys, store
from monitor.cli.events import since
from monitor.eventlog import Recorder
from monitor.events import StatusEvent, dedup_key
from monitor.notify import deliver
from monitor.output import render_json
from tests.paths import ROOT
from tests.test_cli import statusmon

UTC_ZONE = ZoneInfo("UTC")


def event(update: str = "u1", page: str = "gh", body: str = "Looking.") -> StatusEvent:
    return StatusEvent(
        page_id=page,
        page_name="GitHub",
        provider="statuspage",
        kind="incident",
        product="GitHub - Actions",
        status="investigating",
        status_raw="investigating",
        occurred_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        dedup_key=dedup_key(page, "incident", "i1", update),
        body=body,
        incident_id="i1",
        update_id=update,
    )


def recorder(channels: list[str] | None = None, retention: int = 90) -> Recorder:
    return Recorder(UTC_ZONE, retention, lambda e: (list(channels or []), "partial_outage"))


def test_a_printed_event_is_logged_once_with_its_json_and_when_it_was_printed(
    r: store.Redis,
) -> None:
    before = datetime.now(UTC)
    assert deliver(r, event(), lambda e: None, 60, recorder=recorder()) == "printed"
    assert deliver(r, event(), lambda e: None, 60, recorder=recorder()) == "duplicate"
    (entry,) = eventlog.read(r)
    assert entry.event == event()
    assert before - timedelta(seconds=1) <= entry.printed_at <= datetime.now(UTC)
    (raw,) = r.xrange(keys.EVENTS)
    assert raw[1]["event"] == render_json(event(), UTC_ZONE)
    assert r.get(keys.event(event().dedup_key)) == "printed"


def test_an_event_whose_line_could_not_be_written_is_not_logged(r: store.Redis) -> None:
    def broken(e: StatusEvent) -> None:
        raise OSError("stdout closed")

    with pytest.raises(OSError):
        deliver(r, event(), broken, 60, recorder=recorder(["ops"]))
    assert eventlog.read(r) == []
    assert not r.exists(keys.delivery("ops", event().dedup_key))


def test_a_mark_that_finds_the_event_printed_appends_and_files_nothing(r: store.Redis) -> None:
    # The crash window between write and mark: another notifier reprinted and marked it.
    assert deliver(r, event(), lambda e: None, 60, recorder=recorder(["ops"])) == "printed"
    assert recorder(["ops"]).mark(r, event(), 60) is None
    assert len(eventlog.read(r)) == 1
    assert r.zcard(keys.DELIVERIES_DUE) == 1


def test_ten_concurrent_notifiers_log_an_event_once(r: store.Redis, redis_url: str) -> None:
    start = threading.Barrier(10)

    def notifier() -> None:
        client = store.connect(redis_url)
        start.wait()
        deliver(client, event(), lambda e: None, 60, recorder=recorder(["a", "b"]))

    threads = [threading.Thread(target=notifier) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(eventlog.read(r)) == 1
    assert sorted(r.zrange(keys.DELIVERIES_DUE, 0, -1)) == [
        f"a|{event().dedup_key}",
        f"b|{event().dedup_key}",
    ]


def test_the_mark_files_one_pending_delivery_per_channel_that_wants_the_event(
    r: store.Redis,
) -> None:
    deliver(r, event(), lambda e: None, 3600, recorder=recorder(["ops", "pager"]))
    (entry,) = eventlog.read(r)
    held = r.hgetall(keys.delivery("ops", event().dedup_key))
    assert held["state"] == "pending" and held["entry"] == entry.id and held["attempts"] == "0"
    assert held["severity"] == "partial_outage"  # kept: attempts do not read the page state
    assert 3590 < r.ttl(keys.delivery("ops", event().dedup_key)) <= 3600
    assert delivery.begin(r, "pager", event().dedup_key, 10) != "missing"


def test_a_change_no_channel_wants_is_still_logged(r: store.Redis) -> None:
    deliver(r, event(), lambda e: None, 60, recorder=recorder([]))
    assert len(eventlog.read(r)) == 1
    assert r.zcard(keys.DELIVERIES_DUE) == 0


def test_entries_older_than_the_retention_are_trimmed_by_the_next_append(r: store.Redis) -> None:
    old_ms = int((time.time() - 3 * 86400) * 1000)
    for i in range(150):  # a full stream node, so approximate trimming can drop it
        r.xadd(keys.EVENTS, {"event": "{}", "page": "x", "printed_at": "x"}, id=f"{old_ms}-{i}")
    deliver(r, event(), lambda e: None, 60, recorder=recorder(retention=1))
    assert r.xlen(keys.EVENTS) < 150
    assert [e.event for e in eventlog.read(r, since=datetime.now(UTC) - timedelta(hours=1))] == [
        event()
    ]


def test_read_filters_by_page_time_and_keeps_the_newest_under_a_limit(r: store.Redis) -> None:
    for i in range(5):
        deliver(
            r, event(f"u{i}", page="gh" if i % 2 else "oa"), lambda e: None, 60, recorder=recorder()
        )
    assert [e.event.update_id for e in eventlog.read(r, page="gh")] == ["u1", "u3"]
    assert [e.event.update_id for e in eventlog.read(r, limit=2)] == ["u3", "u4"]
    assert [e.event.update_id for e in eventlog.read(r, page="gh", limit=1)] == ["u3"]
    assert eventlog.read(r, since=datetime.now(UTC) + timedelta(minutes=1)) == []


def test_since_reads_durations_and_iso_times() -> None:
    assert abs((datetime.now(UTC) - since("2h")).total_seconds() - 7200) < 5
    assert since("2026-01-01T10:00:00") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert since("2026-01-01T10:00:00+02:00") == datetime(2026, 1, 1, 8, tzinfo=UTC)


def test_events_prints_the_log_in_the_two_line_format(r: store.Redis, redis_url: str) -> None:
    deliver(r, event("u1"), lambda e: None, 60, recorder=recorder())
    deliver(r, event("u2", page="oa", body="Fixed."), lambda e: None, 60, recorder=recorder())
    done = statusmon("events", "--since", "1h", REDIS_URL=redis_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[2026-01-01 12:00:00] Product: GitHub - Actions",
        "Status: Investigating - Looking.",
        "[2026-01-01 12:00:00] Product: GitHub - Actions",
        "Status: Investigating - Fixed.",
    ]
    done = statusmon("events", "--page", "oa", "--format", "json", REDIS_URL=redis_url)
    (line,) = done.stdout.splitlines()
    data = json.loads(line)
    assert data["body"] == "Fixed." and data["status_text"] == "Investigating - Fixed."
    assert datetime.fromisoformat(data["printed_at"]) <= datetime.now(UTC)


def test_events_refuses_a_since_it_cannot_read(redis_url: str) -> None:
    done = statusmon("events", "--since", "yesterday", REDIS_URL=redis_url)
    assert done.returncode == 2
    assert "'yesterday' is neither a duration" in done.stderr


def test_events_follow_prints_new_events_as_they_are_logged(r: store.Redis, redis_url: str) -> None:
    deliver(r, event("u1"), lambda e: None, 60, recorder=recorder())
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "events", "--follow"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": redis_url, "MONITOR_TZ": "UTC"},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("[2026-01-01 12:00:00]")
        assert proc.stdout.readline() == "Status: Investigating - Looking.\n"
        deliver(r, event("u2", body="Live."), lambda e: None, 60, recorder=recorder())
        proc.stdout.readline()
        assert proc.stdout.readline() == "Status: Investigating - Live.\n"
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
