"""Channels on real Celery workers (poll worker, deliverer with its `deliver` queue, notifier,
beat) and loopback receivers: the failure paths, a dead channel beside a live one and the
console, a deliverer killed mid-delivery, and the `channels` commands.

The system runs on its own Redis database with a pages.yaml of its own, so the suite's shared
workers (which know no channels) never take its tasks. Retries are fast here:
DELIVERY_RETRY_SCHEDULE=1,1 (three attempts) and DELIVERY_DEADLINE=2.
"""

from __future__ import annotations

import base64
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from celery import Celery

from monitor import delivery, eventlog, keys, store
from monitor.events import StatusEvent
from tests.support import receivers
from tests.support.celery_workers import wait_ready
from tests.support.procs import Proc, celery_proc
from tests.support.receivers import Receiver, Reply
from tests.test_channel_types import incident
from tests.test_cli import statusmon

SECRET = "whsec_" + base64.b64encode(b"end-to-end-signing-key-32-bytes!").decode()
PAGES = """\
pages: []
channels:
  flaky: {type: webhook, url: "%(url)s/flaky", secret_env: HOOK_SECRET, routing: {pages: [flaky]}}
  limited: {type: webhook, url: "%(url)s/limited", routing: {pages: [limited]}}
  dead: {type: webhook, url: "%(url)s/dead", routing: {pages: [dead, both]}}
  live: {type: slack, url_env: SLACK_URL, rate: 50, burst: 10, routing: {pages: [both, "kill*"]}}
  picky: {type: webhook, url: "%(url)s/picky", routing: {pages: [picky], min_severity: major_outage, resolutions: false}}
"""


class System:
    def __init__(self, redis_url: str, tmp: Path) -> None:
        self.hooks = Receiver()
        self.url = redis_url.rsplit("/", 1)[0] + "/7"
        pages = tmp / "pages.yaml"
        pages.write_text(PAGES % {"url": self.hooks.url})
        self.env = {
            **os.environ,
            "REDIS_URL": self.url,
            "MONITOR_PAGES": str(pages),
            "MONITOR_DATA": str(tmp / "data"),
            "MONITOR_TZ": "UTC",
            "DELIVERY_RETRY_SCHEDULE": "1,1",
            "DELIVERY_DEADLINE": "2",
            "HOOK_SECRET": SECRET,
            "SLACK_URL": self.hooks.url + "/live",
            "POLL_CONCURRENCY": "3",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        self.tmp = tmp
        self.app = Celery("e2e", broker=self.url, set_as_current=False)  # the suite keeps its own
        self.app.config_from_object("celeryconfig")
        self.redis = store.connect(self.url)
        self.redis.flushdb()
        self.worker = self.start("worker")
        self.deliverer = self.start("deliverer")
        self.notifier = self.start("notifier")
        self.beat = self.start("beat")
        self.wait_ready()

    def start(self, role: str) -> Proc:
        return celery_proc(role, self.env, self.tmp).start()

    def wait_ready(self) -> None:
        procs = [self.worker, self.deliverer, self.notifier]
        wait_ready({"poll", "deliver", "notifier"}, procs, timeout=90, broker=self.url)

    def notify(self, event: StatusEvent) -> None:
        self.app.send_task("statusmon.notify", (event.to_dict(),))

    def statusmon(self, *args: str) -> str:
        done = statusmon(*args, **{k: v for k, v in self.env.items() if os.environ.get(k) != v})
        assert done.returncode == 0, done.stderr
        return done.stdout

    def stop(self) -> None:
        for proc in (self.beat, self.notifier, self.deliverer, self.worker):
            if proc.process is not None and proc.process.poll() is None:
                proc.stop()
        self.hooks.close()
        self.redis.close()


@pytest.fixture(scope="module")
def system(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = System(redis_url, tmp_path_factory.mktemp("channels"))
    yield running
    running.stop()


def on_page(page: str, update: str, **kw: object) -> StatusEvent:
    base = incident(**kw)  # type: ignore[arg-type]
    return replace(
        base, page_id=page, dedup_key=f"{page}-{update}-{time.time_ns()}", update_id=update
    )


def wait_state(system: System, channel: str, key: str, state: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while system.redis.hget(keys.delivery(channel, key), "state") != state:
        assert time.monotonic() < deadline, system.redis.hgetall(keys.delivery(channel, key))
        system.redis.ping()


def test_a_500_then_a_200_is_delivered_once_and_the_line_printed_and_logged(system: System) -> None:
    system.hooks.on("/flaky", receivers.standard_webhooks(SECRET), Reply(500))
    before = len(system.notifier.lines)
    event = on_page("flaky", "u1")
    system.notify(event)
    system.notifier.wait_lines(before + 2)
    first, second = system.hooks.wait("/flaky", 2, timeout=60)
    assert (first.status, second.status) == (500, 200)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == event.dedup_key
    assert second.at - first.at >= 0.7  # the schedule's first retry: 1 s ± 20 %
    wait_state(system, "flaky", event.dedup_key, "delivered")
    assert [e.event.dedup_key for e in eventlog.read(system.redis, page="flaky")] == [
        event.dedup_key
    ]
    system.notify(event)  # the same event again: a duplicate, neither printed nor sent
    deadline = time.monotonic() + 30
    while system.redis.hget(keys.METRICS_NOTIFY, "duplicate") is None:
        assert time.monotonic() < deadline
    assert len(system.hooks.at("/flaky")) == 2


def test_a_429_is_retried_after_the_retry_after_it_asks_for(system: System) -> None:
    system.hooks.on("/limited", receivers.accept, Reply(429, {"Retry-After": "3"}))
    event = on_page("limited", "u1")
    system.notify(event)
    first, second = system.hooks.wait("/limited", 2, timeout=60)
    assert second.at - first.at >= 2.9
    wait_state(system, "limited", event.dedup_key, "delivered")


def test_a_receiver_that_never_answers_is_retried_then_dead_lettered_and_shown(
    system: System,
) -> None:
    system.hooks.on("/dead", receivers.accept, *[Reply(mode="hang")] * 3)
    event = on_page("dead", "u1")
    system.notify(event)
    wait_state(system, "dead", event.dedup_key, "dead", timeout=90)
    assert len(system.hooks.at("/dead")) == 3
    assert ("dead", event.dedup_key, "no answer within 2 s") in delivery.dead_letters(system.redis)
    status = system.statusmon("channels", "status")
    assert f"  dead: {event.dedup_key}: no answer within 2 s" in status.splitlines()


def test_a_dead_channel_delays_neither_the_console_nor_another_channel(system: System) -> None:
    system.hooks.on("/dead", receivers.accept, *[Reply(mode="hang")] * 10)
    system.hooks.on("/live", receivers.slack)
    before, sent = len(system.notifier.lines), time.time()
    events = [on_page("both", f"u{i}") for i in range(4)]
    for event in events:
        system.notify(event)
    system.notifier.wait_lines(before + 8, timeout=30)
    live = system.hooks.wait("/live", 4, timeout=30)
    assert max(r.at for r in live) - sent < 10  # not behind 4 × 2 s of a hanging receiver
    assert all(r.status == 200 for r in live)
    assert len(system.hooks.at("/dead")) <= 4


def test_a_change_no_channel_wants_is_printed_and_logged_and_sent_nowhere(system: System) -> None:
    system.hooks.on("/picky", receivers.accept)
    before = len(system.notifier.lines)
    event = on_page("picky", "u1", status="resolved")  # picky takes no resolutions
    system.notify(event)
    system.notifier.wait_lines(before + 2)
    deadline = time.monotonic() + 30
    while not eventlog.read(system.redis, page="picky"):
        assert time.monotonic() < deadline
    assert not system.redis.exists(keys.delivery("picky", event.dedup_key))
    assert system.hooks.at("/picky") == []


def test_a_deliverer_killed_mid_delivery_delivers_it_later_with_the_same_id(
    system: System,
) -> None:
    system.hooks.on("/live", receivers.slack, Reply(mode="hang"))
    event = on_page("kill", "u1")
    hung = len(system.hooks.at("/live"))
    system.notify(event)
    system.hooks.wait("/live", hung + 1, timeout=30)
    assert system.deliverer.process is not None
    os.killpg(system.deliverer.process.pid, signal.SIGKILL)
    system.deliverer.stop()
    system.deliverer = system.start("deliverer")
    system.wait_ready()
    wait_state(system, "live", event.dedup_key, "delivered", timeout=90)  # after the lease
    first, second = system.hooks.at("/live")[-2:]
    assert first.body == second.body and second.status == 200


def test_replay_sends_logged_events_once_unless_forced(system: System) -> None:
    system.hooks.on("/flaky", receivers.standard_webhooks(SECRET))
    event = on_page("flaky", "replayed")
    system.notify(event)
    wait_state(system, "flaky", event.dedup_key, "delivered")
    sent = len(system.hooks.at("/flaky"))
    out = system.statusmon("channels", "replay", "flaky", "--since", "1h")
    assert out.startswith("flaky: 0 events to send; ")
    assert "sent or on their way already (--force sends them again)" in out
    out = system.statusmon("channels", "replay", "flaky", "--since", "1h", "--force")
    replayed = int(out.split()[1])
    assert replayed >= 1
    got = system.hooks.wait("/flaky", sent + replayed, timeout=60)
    assert event.dedup_key in {r.headers["webhook-id"] for r in got[sent:]}
    assert all(r.status == 200 for r in got[sent:])


def test_channels_test_sends_a_marked_message_and_reports_the_answer(system: System) -> None:
    system.hooks.on("/flaky", receivers.standard_webhooks(SECRET))
    before = len(system.hooks.at("/flaky"))
    assert system.statusmon("channels", "test", "flaky") == "flaky: accepted: HTTP 200\n"
    (got,) = system.hooks.at("/flaky")[before:]
    assert got.json()["test"] is True and got.headers["webhook-id"].startswith("test_")
    system.hooks.on("/picky", lambda body, headers: (410, "gone"))
    done = statusmon(
        "channels",
        "test",
        "picky",
        **{
            "MONITOR_PAGES": system.env["MONITOR_PAGES"],
            "HOOK_SECRET": SECRET,
            "SLACK_URL": "http://x",
        },
    )
    assert (done.returncode, done.stdout) == (1, "picky: refused: HTTP 410: gone\n")


def test_channels_list_shows_each_channel_with_its_type_rate_and_routing(system: System) -> None:
    assert system.statusmon("channels", "list").splitlines() == [
        "flaky\twebhook\t10/s\tpages flaky; kinds incident,component,maintenance",
        "limited\twebhook\t10/s\tpages limited; kinds incident,component,maintenance",
        "dead\twebhook\t10/s\tpages dead,both; kinds incident,component,maintenance",
        "live\tslack\t50/s\tpages both,kill*; kinds incident,component,maintenance",
        "picky\twebhook\t10/s\tpages picky; kinds incident,component,maintenance; ≥ major_outage; no resolutions",
    ]


def test_a_worker_with_a_bad_channels_section_stops_at_start_naming_the_problem(
    tmp_path: Path, redis_url: str
) -> None:
    pages = tmp_path / "pages.yaml"
    pages.write_text("pages: []\nchannels:\n  ops: {type: slack, url_env: NOT_SET_ANYWHERE}\n")
    env = {
        **os.environ,
        "MONITOR_PAGES": str(pages),
        "REDIS_URL": redis_url.rsplit("/", 1)[0] + "/8",
    }
    worker = celery_proc("worker", env, tmp_path).start()
    assert worker.process is not None
    assert worker.process.wait(60) == 2
    worker.stop()
    assert (
        f"statusmon: {pages}: channel 'ops': field 'url_env': "
        "environment variable NOT_SET_ANYWHERE (or NOT_SET_ANYWHERE_FILE) is not set"
    ) in worker.log_path.read_text()
