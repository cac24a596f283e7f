"""What `statusmon run` shows people: every child's output goes whole to its log file
(`<data>/logs/<name>.log`, rotated), and only its warnings and errors reach the console.

A child's line is a log record when it starts like monitor.logs writes one (text: date, time,
level; JSON: an object with "level"); lines that are not (Celery's banner, a traceback's lines)
follow the record before them. Verbose (`--verbose` or LOG_LEVEL=DEBUG): everything is shown.
"""

from __future__ import annotations

import json
import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from monitor.logs import make_handler

SHOWN = logging.WARNING
PEOPLE = "statusmon.console"
LOG_BYTES = 50 * 1024 * 1024  # a log file is rotated at this size, two old ones kept
_TEXT_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d+ ([A-Z]+) ")


def for_people(log_format: str = "text") -> logging.Logger:
    """The logger of what the run says to the person who started it (its start-up summary):
    plain sentences on stderr, without the timestamp, level and logger of a log record; its
    secrets redacted all the same (monitor.logs). With LOG_FORMAT=json, JSON records."""
    people = logging.getLogger(PEOPLE)
    people.handlers[:] = [make_handler("json" if log_format == "json" else "plain")]
    people.propagate = False
    people.setLevel(logging.INFO)
    return people


def level_of(line: str) -> int | None:
    """The level of a log record's first line; None for any other line."""
    match = _TEXT_RECORD.match(line)
    if match:
        return _LEVELS.get(match[1])
    if line.startswith("{"):
        try:
            level = json.loads(line).get("level")
        except (ValueError, AttributeError):
            return None
        return _LEVELS.get(level) if isinstance(level, str) else None
    return None


_LEVELS = {
    name: logging.getLevelNamesMapping()[name]
    for name in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
}


class ChildOutput:
    """One child's output: split into lines, written to its file, the loud ones shown."""

    def __init__(self, name: str, path: Path, console: TextIO, verbose: bool, prefix: bool):
        self.name, self.path, self.console, self.verbose = name, path, console, verbose
        self.prefix = f"{name} | " if prefix else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=2, delay=True)
        self._file.setFormatter(logging.Formatter("%(message)s"))
        self._partial = b""
        self._showing = False
        self.last_line = ""  # the last line written: why a child stopped, often

    def feed(self, data: bytes) -> None:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for raw in lines:
            self.line(raw.decode("utf-8", "replace").rstrip("\r"))

    def flush(self) -> None:
        """The end of the output: a last line without its newline is still a line. What
        comes next (a new process) starts unseen, until its first loud record."""
        if self._partial:
            self.line(self._partial.decode("utf-8", "replace"))
            self._partial = b""
        self._showing = False

    def line(self, text: str) -> None:
        self._file.emit(logging.makeLogRecord({"msg": text, "args": None}))
        if text.strip():
            self.last_line = text.strip()
        level = level_of(text)
        if level is not None:
            self._showing = level >= SHOWN
        if self.verbose or self._showing:
            try:
                self.console.write(self.prefix + text + "\n")
                self.console.flush()
            except OSError:  # the terminal is gone (hangup): the file still has it
                pass

    def close(self) -> None:
        self.flush()
        self._file.close()
