"""The simulated pages, their faults and counters, behind one lock.

`apply(step)` changes a page and records what it published; `serve(n, path, request)` answers
one page request (fault, document, 304); `sent(...)` counts what went over the wire.
`wait(predicate)` lets tests wait on what the server saw instead of sleeping.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitor.simulate.actions import apply_step
from monitor.simulate.documents import Document, respond
from monitor.simulate.faults import Fault
from monitor.simulate.http import Request, Response
from monitor.simulate.model import PageModel, Publication
from monitor.simulate.recorder import Recorder
from monitor.simulate.scenario import Step


class SimPage(Protocol):
    model: PageModel
    kind: str
    name: str
    base: str

    def render(self, path: str) -> tuple[bytes, str] | None: ...


@dataclass
class Stats:
    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    body_out: int = 0  # of bytes_out, response bodies
    by_status: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    # page requests: (arrival time, page index, page-relative path, status, bytes in, bytes out)
    log: list[tuple[float, int, str, int, int, int]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "body_out": self.body_out,
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "faults": dict(self.faults),
            "logged": len(self.log),
        }


class World:
    def __init__(
        self,
        pages: list[SimPage],
        recorder: Recorder | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.pages, self.recorder, self.clock = pages, recorder or Recorder(), clock
        self.faults: dict[int, list[Fault]] = defaultdict(list)
        self.stats = Stats()
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._docs: dict[tuple[int, str], tuple[int, Document]] = {}
        self.on_publish: Callable[[SimPage, list[Publication]], None] | None = None
        self.latency = 0.0  # mean seconds before each page response (a network's round trip)
        self._jitter = random.Random(0)

    def apply(self, step: Step) -> list[Publication]:
        with self.lock:
            now = self.clock()
            page = self.pages[step.page]
            if step.do == "fault":
                self.faults[step.page].append(Fault.from_args(step.args, now))
            elif step.do == "clear_faults":
                self.faults.pop(step.page, None)
            pubs = apply_step(page.model, step, now)
            self.recorder.add(pubs)
            if pubs and self.on_publish is not None:
                self.on_publish(page, pubs)
            self.changed.notify_all()
            return pubs

    def serve(self, n: int, path: str, request: Request) -> Response:
        response = self._serve(n, path, request)
        if self.latency > 0:
            response.delay += self.latency * self._jitter.uniform(0.5, 1.5)
        return response

    def _serve(self, n: int, path: str, request: Request) -> Response:
        with self.lock:
            page = self.pages[n]
            doc = self.document(n, page, path)
            fault = next(
                (f for f in self.faults.get(n, ()) if f.live(request.at) and f.applies(path)), None
            )
            if fault is not None:
                fault.take()
                self.stats.faults[fault.mode] += 1
                return fault.respond(lambda: self._normal(doc, request), doc.body if doc else b"{}")
            return self._normal(doc, request)

    def _normal(self, doc: Document | None, request: Request) -> Response:
        if doc is None:
            return Response(404, b"Not Found", [("Content-Type", "text/plain")])
        return respond(doc, request)

    def document(self, n: int, page: SimPage, path: str) -> Document | None:
        version = page.model.version
        cached = self._docs.get((n, path))
        if cached is not None and cached[0] == version:
            return cached[1]
        rendered = page.render(path)
        if rendered is None:
            return None
        doc = Document.make(rendered[0], rendered[1], self.clock(), cached[1] if cached else None)
        self._docs[(n, path)] = (version, doc)
        return doc

    def sent(self, request: Request, response: Response, page: tuple[int, str] | None) -> None:
        """Count a page request (control requests are not page traffic)."""
        if page is None:
            return
        with self.lock:
            s = self.stats
            s.requests += 1
            s.bytes_in += request.size
            s.bytes_out += response.size
            s.body_out += len(response.body) if response.cut is None else response.cut
            s.by_status[response.status] += 1
            s.log.append(
                (request.at, page[0], page[1], response.status, request.size, response.size)
            )
            self.changed.notify_all()

    def reset_stats(self) -> None:
        with self.lock:
            self.stats = Stats()

    def wait(self, predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)
