"""A loopback TCP proxy in front of a real server (Redis), that a test can cut: at once, or
right after the server answers a request that carries a given marker (e.g. a Redis key)."""

from __future__ import annotations

import contextlib
import socket
import threading

from monitor.cli.redis_server import free_port


class CuttableProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._down = False
        self._marker: bytes | None = None
        self.cuts = 0
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def cut_after(self, marker: bytes) -> None:
        """Cut every connection once the server has answered a request holding `marker`, and
        refuse new ones until `restore()`."""
        self._marker = marker

    def cut(self) -> None:
        with self._lock:
            self._down, self._marker = True, None
            self.cuts += 1
            for sock in self._sockets:
                _close(sock)
            self._sockets.clear()

    def restore(self) -> None:
        with self._lock:
            self._down = False

    def close(self) -> None:
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self._down:
                    _close(client)
                    continue
                server = socket.create_connection(self.upstream)
                self._sockets += [client, server]
            marked = threading.Event()
            for args in [(client, server, marked, False), (server, client, marked, True)]:
                threading.Thread(target=self._pump, args=args, daemon=True).start()

    def _pump(
        self, src: socket.socket, dst: socket.socket, marked: threading.Event, answers: bool
    ) -> None:
        try:
            while data := src.recv(65536):
                if not answers and self._marker is not None and self._marker in data:
                    marked.set()
                dst.sendall(data)
                if answers and marked.is_set():
                    self.cut()
                    return
        except OSError:
            pass  # cut, or closed by either side
        _close(src)
        _close(dst)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
