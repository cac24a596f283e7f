"""Logs: on stderr only, one JSON object per line with LOG_FORMAT=json, the level from
LOG_LEVEL, the page id on every line about a page, and no secrets."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.logs import make_handler
from monitor.redact import secrets_in
from tests.paths import ROOT
from workers.logging_setup import TaskContext, page_of

ENV = {
    "GITHUB_WEBHOOK_SECRET": "whsec-0123456789",
    "FLOWER_BASIC_AUTH": "ops:flower-pass-42,viewer:second-pass-43",
    "REDIS_URL": "redis://:redis-pass-44@redis:6379/0",
    "MONITOR_TZ": "UTC",
}


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    yield io.StringIO()


def logger_to(stream: io.StringIO, fmt: str, *filters: logging.Filter) -> logging.Logger:
    log = logging.getLogger(f"test.logs.{fmt}.{id(stream)}")
    log.handlers[:] = [make_handler(fmt, ENV, stream, filters)]
    log.propagate = False
    log.setLevel(logging.DEBUG)
    return log


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_logs_are_one_object_per_line_with_the_page_id(out: io.StringIO) -> None:
    log = logger_to(out, "json")
    log.warning("page %s: unreadable\nresponse", "claude", extra={"page_id": "claude"})
    try:
        raise ValueError("bad body")
    except ValueError:
        log.exception("page %s: failed", "github", extra={"page_id": "github"})

    first, second = records(out)
    assert len(out.getvalue().splitlines()) == 2
    assert first["level"] == "WARNING" and first["logger"] == log.name
    assert first["message"] == "page claude: unreadable\nresponse"
    assert first["page_id"] == "claude" and str(first["time"]).endswith("+00:00")
    assert second["page_id"] == "github" and "ValueError: bad body" in str(second["exc"])


def test_text_logs_are_readable_lines(out: io.StringIO) -> None:
    logger_to(out, "text").info("page %s: polled", "claude")
    assert (
        out.getvalue()
        .rstrip()
        .endswith(" INFO test.logs.text." + str(id(out)) + ": page claude: polled")
    )


def test_secret_values_from_the_environment_never_reach_a_line(out: io.StringIO) -> None:
    log = logger_to(out, "json")
    log.info("auth %s", ENV["FLOWER_BASIC_AUTH"])
    log.info("second user %s", "second-pass-43", extra={"data": {"args": "('whsec-0123456789',)"}})
    log.info("connecting to %s", ENV["REDIS_URL"])
    try:
        raise RuntimeError("signature mismatch for key whsec-0123456789")
    except RuntimeError:
        log.exception("webhook failed")

    text = out.getvalue()
    for secret in ("flower-pass-42", "second-pass-43", "whsec-0123456789", "redis-pass-44"):
        assert secret not in text
    lines = records(out)
    assert lines[1]["data"] == {"args": "('***',)"}
    assert lines[2]["message"] == "connecting to redis://:***@redis:6379/0"


@pytest.mark.parametrize(
    ("said", "logged"),
    [
        ("Authorization: Bearer abc.def.ghi", "Authorization: Bearer ***"),
        ("{'authorization': 'Basic b3BzOnBhc3M='}", "{'authorization': 'Basic ***'}"),
        ('{"X-Hub-Signature-256": "sha256=9f8e7d"}', '{"X-Hub-Signature-256": "***"}'),
        ("X-Api-Key=k-123456", "X-Api-Key=***"),
        ("fetch https://user:hunter2@example.com/x", "fetch https://user:***@example.com/x"),
        ("max-tokens=5, keyboard, basic auth", "max-tokens=5, keyboard, basic auth"),
    ],
)
def test_authorization_like_values_are_redacted(out: io.StringIO, said: str, logged: str) -> None:
    logger_to(out, "json").info("%s", said)
    assert records(out)[0]["message"] == logged


def test_secrets_are_read_from_secret_named_variables_and_url_passwords() -> None:
    found = secrets_in({**ENV, "PAGES_TOKEN": "abc", "HOME": "/root", "API_KEY": "key-12345"})
    assert set(found) == {
        "whsec-0123456789",
        "ops:flower-pass-42,viewer:second-pass-43",
        "flower-pass-42",
        "second-pass-43",
        "redis-pass-44",
        "key-12345",
    }  # "abc" is too short to redact safely; HOME is no secret


def test_the_level_comes_from_log_level_and_logs_go_to_stderr_only() -> None:
    code = (
        "import logging; from monitor.logs import setup_logging; "
        "from monitor.settings import load_settings; s = load_settings(); "
        "setup_logging(s.log_level, s.log_format); "
        "log = logging.getLogger('statusmon.test'); log.info('hidden'); log.warning('shown')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json"},
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == ""
    assert [json.loads(line)["message"] for line in done.stderr.splitlines()] == ["shown"]


def test_celery_lines_about_a_task_carry_its_page_id(out: io.StringIO) -> None:
    log = logger_to(out, "json", TaskContext())
    received = {"id": "t1", "name": "statusmon.poll", "args": "('claude',)"}
    log.info("Task statusmon.poll[t1] received", extra={"data": received})
    notify = {"id": "t2", "name": "statusmon.notify", "args": "('github', 'a1b2')"}
    log.info("Task statusmon.notify[t2] received", extra={"data": notify})
    log.info("Task statusmon.tick[t3] received", extra={"data": {"args": "()"}})
    assert [r.get("page_id") for r in records(out)] == ["claude", "github", None]


def test_the_page_of_a_task_is_its_first_argument() -> None:
    assert page_of(("claude",)) == "claude"
    assert page_of([{"page_id": "github", "kind": "component"}]) == "github"
    assert page_of(()) is None and page_of(None) is None and page_of((3,)) is None


def test_the_every_second_tick_is_not_logged_at_info(out: io.StringIO) -> None:
    from workers.logging_setup import QuietTick

    log = logger_to(out, "json", QuietTick())
    log.info("Scheduler: Sending due task tick (statusmon.tick)")
    log.info("Task statusmon.tick[t3] succeeded in 0.002s: 0")
    log.info("Task statusmon.poll[t1] received")
    log.error("Task statusmon.tick[t4] raised: boom")
    assert [r["message"] for r in records(out)] == [
        "Task statusmon.poll[t1] received",
        "Task statusmon.tick[t4] raised: boom",
    ]


def test_kombus_requeue_at_a_consumers_stop_is_an_info_line_not_a_warning(
    out: io.StringIO,
) -> None:
    from workers.logging_setup import RoutineRequeue

    kombu = logging.getLogger("kombu.transport.virtual.base")
    handler = make_handler("json", ENV, out, [RoutineRequeue()])
    kombu.addHandler(handler)
    try:
        for level in (logging.WARNING, logging.INFO):
            kombu.setLevel(level)
            kombu.warning("Requeuing undeliverable message for queue %r: No consumers.", "notify")
            kombu.warning("Connection to broker lost")
    finally:
        kombu.removeHandler(handler)
        kombu.setLevel(logging.NOTSET)
    assert [(r["level"], r["message"]) for r in records(out)] == [
        ("WARNING", "Connection to broker lost"),
        ("INFO", "Requeuing undeliverable message for queue 'notify': No consumers."),
        ("WARNING", "Connection to broker lost"),
    ]


@pytest.mark.parametrize("level", ["WARNING", "INFO"])
def test_a_stopping_notifier_logs_its_shutdown_at_info_and_nothing_in_plain_text(
    own_redis: str, tmp_path: Path, level: str
) -> None:
    from tests.support.celery_workers import wait_ready
    from tests.support.procs import celery_proc

    env = {**os.environ, "REDIS_URL": own_redis, "LOG_LEVEL": level, "LOG_FORMAT": "json"}
    notifier = celery_proc("notifier", env, tmp_path).start()
    try:  # its own Redis: the session's notifier would answer the ping for it
        wait_ready({"notifier"}, [notifier], broker=own_redis)
    finally:
        assert notifier.stop() == 0
    assert notifier.lines == []  # stdout: status lines only
    lines = notifier.log_path.read_text().splitlines()
    assert not [line for line in lines if "shutdown" in line and not line.startswith("{")]
    logged = [json.loads(line) for line in lines if line.startswith("{")]  # not Celery's
    shutdown = [r for r in logged if "Warm shutdown" in r["message"]]  # warning about root
    assert [r["level"] for r in shutdown] == ([] if level == "WARNING" else ["INFO"])
    if level == "WARNING":
        assert logged == []
