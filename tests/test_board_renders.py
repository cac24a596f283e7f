"""The board's texts: rendered once per board; while a newer board renders, a viewer gets the
text of the one before at once, if that is younger than SERVE_STALE; `fresh` always waits."""

from __future__ import annotations

import threading
import time

from monitor.boardmodel import Board
from monitor.boardsource import SERVE_STALE
from monitor.web.renders import Render, Renders
from tests.support.wait import wait_until

KEY = ("board.html", "http://127.0.0.1/", "")


class Held:
    """An offload (the seam Renders takes) that holds a render while `hold` is set."""

    def __init__(self) -> None:
        self.hold, self.released, self.calls = False, threading.Event(), 0

    def __call__(self, render: Render) -> str:
        self.calls += 1
        if self.hold:
            assert self.released.wait(10), "never released"
        return render()


def board(age: float) -> Board:
    return Board((), (), time.time() - age)


def test_a_board_is_rendered_once_for_all_its_viewers() -> None:
    offload = Held()
    renders, first = Renders(offload), board(0)
    assert renders.text(first, KEY, lambda: "one", fresh=False) == "one"
    assert renders.text(first, KEY, lambda: "again", fresh=False) == "one"
    assert offload.calls == 1


def test_while_a_newer_board_renders_a_viewer_gets_the_young_text_before_it_at_once() -> None:
    offload = Held()
    renders, old, new = Renders(offload), board(1), board(0)
    renders.text(old, KEY, lambda: "old", fresh=False)
    offload.hold = True
    started = time.monotonic()
    assert renders.text(new, KEY, lambda: "new", fresh=False) == "old"
    assert time.monotonic() - started < 1
    offload.released.set()
    wait_until(lambda: renders.text(new, KEY, lambda: "x", fresh=False) == "new", "new text")


def test_a_viewer_asking_fresh_waits_for_the_newest_boards_text() -> None:
    renders, old, new = Renders(Held()), board(1), board(0)
    renders.text(old, KEY, lambda: "old", fresh=False)
    assert renders.text(new, KEY, lambda: "new", fresh=True) == "new"


def test_a_text_older_than_serve_stale_is_never_served() -> None:
    renders, old, new = Renders(Held()), board(SERVE_STALE + 1), board(0)
    renders.text(old, KEY, lambda: "old", fresh=False)
    assert renders.text(new, KEY, lambda: "new", fresh=False) == "new"
