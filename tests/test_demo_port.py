"""Where `statusmon demo` puts its board: 8080 when nobody asked and it is free, any free port
(said) when it is taken; a port asked for that is taken is a clear error, never a board that
silently is not there."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from monitor.cli.demo import PortTaken, board_port, free
from monitor.cli.redis_server import free_port


@pytest.fixture
def taken() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_the_default_port_is_used_when_nobody_asked_and_it_is_free() -> None:
    port = free_port()
    assert board_port(None, None, port) == (port, "")


def test_a_taken_default_port_gives_the_board_another_and_says_which(taken: int) -> None:
    port, why = board_port(None, None, taken)
    assert port != taken and free(port)
    assert why == f"port {taken} is taken, so the board is on port {port}"


def test_a_taken_port_asked_for_by_port_is_refused_with_the_reason(taken: int) -> None:
    with pytest.raises(PortTaken, match=rf"port {taken} \(PORT\) is taken by another program"):
        board_port(None, str(taken), 8080)
    with pytest.raises(PortTaken, match=rf"port {taken} \(--port\) is taken"):
        board_port(taken, None, 8080)


def test_port_zero_means_any_free_port() -> None:
    port, why = board_port(0, "8080", 8080)
    assert port != 0 and free(port) and why == ""
