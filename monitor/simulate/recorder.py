"""What the simulator published, in memory and as JSON lines, to score a run against."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from monitor.simulate.model import Publication


class Recorder:
    def __init__(self, path: Path | str | None = None) -> None:
        self.rows: list[Publication] = []
        self._lock = threading.Lock()
        self._file: TextIO | None = open(path, "a", encoding="utf-8") if path else None  # noqa: SIM115

    def add(self, pubs: list[Publication]) -> None:
        with self._lock:
            self.rows += pubs
            if self._file is not None:
                for p in pubs:
                    self._file.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
                self._file.flush()

    def expected(self) -> list[Publication]:
        with self._lock:
            return [p for p in self.rows if p.expected]

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def read_publications(path: Path | str) -> list[Publication]:
    with open(path, encoding="utf-8") as f:
        return [Publication(**json.loads(line)) for line in f if line.strip()]
