"""The simulator on the host, serving the stack's containers on Docker's bridge address, and the
status lines the notifier containers printed, scored against what it published."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from monitor.simulate.model import Publication
from monitor.simulate.score import Score, score
from tests.compose.stack import ROOT, Output
from tests.support.wait import wait_until


class Simulator:
    def __init__(self, host: str, pages: int, pages_file: Path, interval: int) -> None:
        argv = [sys.executable, "-m", "monitor.simulate", "--pages", str(pages), "--hosts", "2"]
        argv += ["--host", host, "--pages-file", str(pages_file), "--interval", str(interval)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.proc.stdout is not None
        ready = json.loads(self.proc.stdout.readline())
        self.control, self.ports, self.host = ready["control"], ready["ports"], host
        self.http = requests.Session()

    def url(self, n: int) -> str:
        return f"http://{self.host}:{self.ports[n % len(self.ports)]}/p/{n}"

    def apply(self, *steps: dict[str, Any]) -> list[dict[str, Any]]:
        answer = self.http.post(self.control + "/apply", json=list(steps), timeout=10)
        answer.raise_for_status()
        rows: list[dict[str, Any]] = answer.json()
        return rows

    def published(self) -> list[Publication]:
        rows = self.http.get(self.control + "/published", timeout=10).json()
        return [Publication(**row) for row in rows]

    def requests_for(self, n: int, since: float) -> int:
        """How many requests page n got since `since` (wall clock)."""
        rows = self.http.get(self.control + "/log", timeout=10).json()["rows"]
        return sum(1 for row in rows if row[1] == n and row[0] >= since)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Printed:
    """Every notifier container's output, kept when the container goes (`down`)."""

    def __init__(self) -> None:
        self.by_container: dict[str, Output] = {}

    def take(self, container: str, output: Output) -> None:
        self.by_container[container] = output

    def lines(self) -> list[tuple[float, dict[str, Any]]]:
        return [
            (at, json.loads(text))
            for out in self.by_container.values()
            for at, text in out.stdout
            if text.startswith("{")
        ]

    def not_status_lines(self) -> list[str]:
        """stderr lines, and stdout lines that are not one JSON status object."""
        bad = [err for out in self.by_container.values() for err in out.stderr]
        for out in self.by_container.values():
            for _, text in out.stdout:
                try:
                    ok = isinstance(json.loads(text), dict) and "page_id" in json.loads(text)
                except ValueError:
                    ok = False
                if not ok:
                    bad.append(text)
        return bad

    def score(self, sim: Simulator) -> Score:
        return score(sim.published(), self.lines())


def wait_for(check: Any, what: str, timeout: float, every: float = 1.0) -> Any:
    """check() until truthy (returned), or RuntimeError naming `what` after `timeout` s (the
    driver's own failure, apart from an assertion about the stack)."""
    try:
        return wait_until(check, what, timeout, interval=every)
    except AssertionError as exc:
        raise RuntimeError(str(exc)) from None
