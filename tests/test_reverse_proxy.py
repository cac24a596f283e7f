"""docs/nginx.conf, as shipped, in front of real gunicorn (`statusmon proc web`) on loopback:
webhooks and health checks arrive, bodies over WEBHOOK_MAX_BYTES stop at nginx, each client
address has its own rate limit through X-Forwarded-For, /metrics stays inside.

Needs Debian's nginx (`apt-get install -y --no-install-recommends nginx`). Without it the tests
skip on a workstation and fail under CI=true: a reverse proxy never run is not a tested one.
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from monitor.cli.redis_server import free_port
from tests.paths import ROOT
from tests.support.web import capture, hmac_headers
from tests.support.webproc import PAGE, Web, web_process

SITE = ROOT / "docs" / "nginx.conf"
UPSTREAM, LISTEN = "server 127.0.0.1:8080;", "listen 80;"
MAX_BYTES = 1 << 20  # WEBHOOK_MAX_BYTES's default, and the site's client_max_body_size 1m


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found:
        return found
    missing = "nginx is not installed (apt-get install -y --no-install-recommends nginx)"
    if os.environ.get("CI") == "true":
        pytest.fail(missing)
    pytest.skip(missing)


def site_for(upstream_port: int, port: int) -> str:
    """docs/nginx.conf with its two addresses moved to test ports; nothing else changed."""
    text = SITE.read_text(encoding="utf-8")
    assert text.count(UPSTREAM) == 1 and text.count(LISTEN) == 1
    text = text.replace(UPSTREAM, f"server 127.0.0.1:{upstream_port};")
    return text.replace(LISTEN, f"listen 127.0.0.1:{port};")


def main_conf(folder: Path, site: Path) -> str:
    """The minimum around the site file that Debian's /etc/nginx/nginx.conf provides."""
    temps = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read this test's folder
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temps}\n    include {site};\n}}\n"
    )


class Nginx:
    def __init__(self, folder: Path, upstream_port: int) -> None:
        self.port, self.folder = free_port(), folder
        site = folder / "statusmon.conf"
        site.write_text(site_for(upstream_port, self.port), encoding="utf-8")
        conf = folder / "nginx.conf"
        conf.write_text(main_conf(folder, site), encoding="utf-8")
        argv = [nginx_binary(), "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(argv, stderr=subprocess.DEVNULL, start_new_session=True)
        self._wait_until_listening()

    def _wait_until_listening(self, timeout: float = 15) -> None:
        deadline, pause = time.monotonic() + timeout, threading.Event()
        while self.process.poll() is None and time.monotonic() < deadline:
            try:
                with closing(http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)) as c:
                    c.connect()
                    return
            except ConnectionRefusedError:
                pause.wait(0.05)  # nginx binds within moments of starting
        raise AssertionError(f"nginx did not listen:\n{self.log()}")

    def log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            self.process.wait(15)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Web]:
    env = {"WEB_TRUSTED_PROXIES": "127.0.0.1", "WEBHOOK_RATE_LIMIT": "2/minute"}
    with web_process(tmp_path_factory.mktemp("web"), redis_url, 6, **env) as web:
        yield web


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory, web: Web) -> Iterator[Nginx]:
    proxy = Nginx(tmp_path_factory.mktemp("nginx"), web.port)
    yield proxy
    proxy.stop()


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    with closing(conn):
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        return response.status, response.read()


def test_a_signed_webhook_and_a_health_check_arrive_through_nginx(nginx: Nginx, web: Web) -> None:
    body = capture("component")
    status, answer = request(nginx.port, "POST", f"/webhook/{PAGE}", body, hmac_headers(body))
    assert status == 202, answer
    [message] = web.queue.messages()
    assert message["task"] == "statusmon.ingest" and message["args"][0] == PAGE
    status, answer = request(nginx.port, "GET", "/health")
    assert status in (200, 503) and b'"redis":"ok"' in answer.replace(b" ", b""), answer


def test_the_stream_path_is_passed_to_the_app_unbuffered(nginx: Nginx) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10)
    with closing(conn):
        conn.request("GET", "/api/v1/stream", headers={"Accept": "text/event-stream"})
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type", "").startswith("text/event-stream")
        assert response.readline() == b"retry: 2000\n"  # the app's first frame, not held back


def test_a_body_over_webhook_max_bytes_stops_at_nginx(nginx: Nginx, web: Web) -> None:
    def post(size: int) -> tuple[int, bytes]:
        body, headers = b" " * size, {"Content-Type": "application/json"}
        return request(nginx.port, "POST", f"/webhook/{PAGE}", body, headers, "127.0.0.4")

    queued = len(web.queue)
    status, answer = post(MAX_BYTES + 1)
    assert status == 413 and b"nginx" in answer
    status, _ = post(MAX_BYTES)
    assert status == 401  # as large as allowed: the app read it and found no signature
    assert len(web.queue) == queued


def test_each_client_behind_nginx_has_its_own_rate_limit(nginx: Nginx) -> None:
    def post(source: str) -> int:
        spoofed = {"Content-Type": "application/json", "X-Forwarded-For": "192.0.2.1"}
        return request(nginx.port, "POST", f"/webhook/{PAGE}", b"{}", spoofed, source)[0]

    assert [post("127.0.0.2") for _ in range(3)] == [401, 401, 429]  # 2/minute, per address
    assert [post("127.0.0.3") for _ in range(2)] == [401, 401]  # not the same client's count


def test_metrics_are_refused_to_outside_addresses(nginx: Nginx) -> None:
    assert request(nginx.port, "GET", "/metrics", source="127.0.0.2")[0] == 403
    assert request(nginx.port, "GET", "/metrics")[0] == 200


def test_the_site_file_passes_nginx_t_inside_debians_own_nginx_conf(tmp_path: Path) -> None:
    """Installed as docs/reverse-proxy.md says: in sites-enabled, in place of the default site."""
    binary, debian = nginx_binary(), Path("/etc/nginx")
    if not (debian / "nginx.conf").exists():
        pytest.skip("no /etc/nginx/nginx.conf (not Debian's nginx package)")
    etc = tmp_path / "nginx"
    shutil.copytree(debian, etc, symlinks=True)
    main, logs = etc / "nginx.conf", tmp_path / "log"
    logs.mkdir()
    text = main.read_text().replace(str(debian), str(etc)).replace("/var/log/nginx", str(logs))
    main.write_text(text.replace("/run/nginx.pid", str(tmp_path / "nginx.pid")), encoding="utf-8")
    enabled = etc / "sites-enabled"
    shutil.rmtree(enabled)
    enabled.mkdir()
    shutil.copy(SITE, enabled / "statusmon")
    argv = [binary, "-t", "-e", str(logs / "error.log"), "-c", str(main)]
    checked = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
