"""Redis Sentinel, end to end: a real primary, replica and three sentinels on loopback (with
passwords), real Celery workers and the real web app pointed at them by REDIS_SENTINELS. A
state write, a poll task's round trip and a printed line go through the primary; then the
primary is failed over twice (SENTINEL FAILOVER, then kill -9 of the new one), and the same
clients — the core's, Celery's broker and result backend, the web app's — carry on against
each promoted replica."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from monitor import keys, store
from monitor.config import load_pages
from monitor.registry import load_page, sync_pages
from monitor.settings import Settings, load_settings
from monitor.web.ingress import create_app
from tests.paths import ROOT
from tests.support.pageserver import PageServer
from tests.support.procs import Proc, celery_proc
from tests.support.scenarios import StatuspageStory
from tests.support.sentinels import MASTER, SentinelSetup
from tests.support.wait import wait_until
from tests.support.web import JSON, TOKEN, capture

SUMMARY = "/api/v2/summary.json"


@pytest.fixture(scope="module")
def ha(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelSetup]:
    # 2 s: a primary is not taken for down by a machine busy with the rest of the suite
    setup = SentinelSetup(tmp_path_factory.mktemp("sentinel"), down_after_ms=2000).start()
    yield setup
    setup.stop()


def sender(settings: Settings) -> Celery:
    """A Celery client configured as workers.celery_app configures itself (the suite's app
    stays on the suite's Redis)."""
    app = Celery("sender", set_as_current=False)
    app.config_from_object("celeryconfig")
    app.conf.update(
        broker_url=settings.broker_url,
        result_backend=settings.broker_url,
        broker_transport_options={**app.conf.broker_transport_options, **settings.broker_options},
        result_backend_transport_options=settings.broker_options,
    )
    return app


def poll(app: Celery, page_id: str) -> Any:
    return app.send_task("statusmon.poll", (page_id,), queue=keys.POLL_QUEUE).get(timeout=60)


def test_the_cli_loads_pages_and_checks_heartbeats_through_the_sentinels(
    ha: SentinelSetup, pages: PageServer, tmp_path: Path
) -> None:
    folder = tmp_path / "pages.yaml"
    page = {"id": "cli", "name": "CLI", "url": pages.url, "kind": "statuspage"}
    folder.write_text(json.dumps({"pages": [page]}), encoding="utf-8")
    env = {**os.environ, **ha.env, "MONITOR_PAGES": str(folder)}
    synced = run_cli(["-m", "monitor", "pages", "sync"], env)
    assert synced.returncode == 0, synced.stderr
    assert f"loaded into {MASTER} via 127.0.0.1:" in synced.stdout
    assert ha.password not in synced.stdout + synced.stderr
    r = store.connect(load_settings(env).redis)
    loaded = load_page(r, "cli")
    assert loaded is not None and loaded.url == pages.url
    assert run_cli(["-m", "monitor.cli.health", "cli-test", "30"], env).returncode == 1
    store.heartbeat(r, "cli-test")
    assert run_cli(["-m", "monitor.cli.health", "cli-test", "30"], env).returncode == 0


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def promote(ha: SentinelSetup, how: str) -> None:
    """Fail the primary over to the replica, once it is in sync (this test is about clients
    reconnecting, not about the writes asynchronous replication can lose)."""
    ha.wait_ready()
    old = ha.primary()
    assert old.client().wait(1, 5000) == 1
    if how == "kill -9":
        old.stop(signal.SIGKILL)
    else:
        ha.sentinels[0].client().sentinel_failover(MASTER)
    wait_until(lambda: ha.discovered_port() not in (None, old.port), f"{how}: promoted", 30)
    if how != "kill -9":  # until then the old one still takes writes, lost when it is demoted
        wait_until(lambda: ha.role(old) == "slave", "the old primary demoted", timeout=30)


def test_state_tasks_lines_and_webhooks_go_through_sentinel_and_survive_a_failover(
    ha: SentinelSetup, pages: PageServer, tmp_path: Path
) -> None:
    folder = tmp_path / "pages.yaml"
    page = {"id": "claude", "name": "Claude", "url": pages.url, "kind": "statuspage"}
    page["webhook"] = {"unsigned": True, "provider_page_id": "jb7j80lkgqvb", "secrets": [TOKEN]}
    folder.write_text(json.dumps({"pages": [page]}), encoding="utf-8")
    env = {**os.environ, **ha.env, "MONITOR_PAGES": str(folder), "POLL_CONCURRENCY": "1"}
    env["PYTHONUNBUFFERED"] = "1"
    settings = load_settings(env)
    r = store.connect(settings.redis)
    sync_pages(r, load_pages(str(folder)), time.time())
    first = ha.primary()
    assert first.client().exists(keys.alive("x")) == 0
    store.heartbeat(r, "x")  # a state write, seen on the primary itself
    assert first.client().exists(keys.alive("x")) == 1

    app = sender(settings)
    story = StatuspageStory()
    worker = celery_proc("worker", env, tmp_path)
    notifier = celery_proc("notifier", env, tmp_path)
    procs: list[Proc] = [worker.start(), notifier.start()]
    try:
        wait_until(lambda: len(app.control.ping(timeout=0.5)) >= 2, "workers up", timeout=60)
        pages.set_json(SUMMARY, story.summary("major_outage"))
        assert poll(app, "claude")["outcome"] == "changed"
        assert "major outage" in " ".join(notifier.wait_lines(2)[:2]).lower()  # 2 lines an event
        client = create_app(settings).test_client()  # the web app: its broker and its Redis
        assert client.get("/metrics").status_code == 200
        client.get("/health")  # its broker connection is made (and its status is not the point)

        promote(ha, "SENTINEL FAILOVER")  # the old primary lives on, demoted to a replica
        store.heartbeat(r, "y")  # the same client, now on the promoted replica
        assert ha.primary().client().exists(keys.alive("x"), keys.alive("y")) == 2
        pages.set_json(SUMMARY, story.summary("operational", changed="10:05"))
        assert poll(app, "claude")["outcome"] == "changed"
        assert "operational" in " ".join(notifier.wait_lines(4)[2:]).lower()

        promote(ha, "kill -9")  # and back, the primary gone this time
        store.heartbeat(r, "z")
        assert ha.primary().client().exists(*(keys.alive(n) for n in "xyz")) == 3
        pages.set_json(SUMMARY, story.summary("partial_outage", changed="10:10"))
        assert poll(app, "claude")["outcome"] == "changed"
        assert "partial outage" in " ".join(notifier.wait_lines(6)[4:]).lower()

        assert client.get("/metrics").status_code == 200  # the web app's clients follow too
        sent = client.post(f"/webhook/claude/{TOKEN}", data=capture("incident"), headers={
            "Content-Type": JSON})  # fmt: skip
        assert sent.status_code == 202, sent.get_data(as_text=True)
        assert app.AsyncResult(sent.get_json()["task"]).get(timeout=60) is not None
    finally:
        for proc in procs:
            proc.stop()
