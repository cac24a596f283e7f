"""The board's rendered texts (monitor.web.board_html): each rendered once per board built, on
an OS thread (monitor.web.offload), and kept for the next viewers of that board.

While the text of a newer board is being rendered, a viewer who did not ask for a fresh one
is answered at once with the text of the board before, if that board is younger than
SERVE_STALE (monitor.boardsource's rule: nothing older is ever served), and the render goes on
behind. So in the steady state no `GET /` waits for a render; one asking `fresh=1` (the
board's script after a change) always gets the newest board's text.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from monitor.boardmodel import Board
from monitor.boardsource import SERVE_STALE

KEPT = 32  # texts kept (each template, host and query is one)
Key = tuple[str, str, str]
Render = Callable[[], str]
log = logging.getLogger("statusmon.board")


class Renders:
    def __init__(self, offload: Callable[[Render], str]) -> None:
        self.offload = offload
        self.texts: dict[Key, tuple[Board, str]] = {}
        self.pending: set[Key] = set()  # renders going on behind

    def text(self, board: Board, key: Key, render: Render, fresh: bool) -> str:
        kept = self.texts.get(key)
        if kept is not None and kept[0] is board:
            return kept[1]
        young = kept is not None and time.time() - kept[0].at < SERVE_STALE
        if kept is not None and young and not fresh and kept[0].at <= board.at:
            if key not in self.pending:
                self.pending.add(key)
                behind = threading.Thread(target=self._behind, args=(board, key, render))
                behind.daemon = True
                behind.start()
            return kept[1]
        return self._keep(board, key, self.offload(render))

    def _behind(self, board: Board, key: Key, render: Render) -> None:
        try:
            self._keep(board, key, self.offload(render))
        except Exception as exc:  # the next viewer renders it, and sees the error if any
            log.warning("board: a render failed: %s", type(exc).__name__)
        finally:
            self.pending.discard(key)

    def _keep(self, board: Board, key: Key, text: str) -> str:
        kept = self.texts.get(key)
        if kept is None or board.at >= kept[0].at:
            if kept is None and len(self.texts) >= KEPT:
                self.texts.clear()
            self.texts[key] = (board, text)
        return text
