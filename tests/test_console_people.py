"""What `statusmon run` and `statusmon demo` say to a person on stderr: plain sentences, not
log records (no timestamp, level or logger), their secrets redacted all the same."""

from __future__ import annotations

import json
import re

import pytest

from monitor.cli.console import for_people

RECORD_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d+ [A-Z]+ ")


def test_the_start_up_summary_is_plain_sentences_with_the_password_hidden(
    capsys: pytest.CaptureFixture[str],
) -> None:
    people = for_people()  # its handler writes to the stderr pytest captures now
    people.info("Redis: %s (REDIS_URL)", "redis://:hunter2-secret@127.0.0.1:6379/0")
    people.warning("Port %d is in use: set PORT to a free port.", 8080)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "Redis: redis://:***@127.0.0.1:6379/0 (REDIS_URL)",
        "Port 8080 is in use: set PORT to a free port.",
    ]
    assert not [line for line in lines if RECORD_PREFIX.match(line)]


def test_with_json_logs_the_summary_is_json_records(capsys: pytest.CaptureFixture[str]) -> None:
    for_people("json").info("Starting %s", "beat")
    record = json.loads(capsys.readouterr().err)
    assert record["message"] == "Starting beat" and record["level"] == "INFO"
