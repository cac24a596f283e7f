"""The deploy files (docker-compose.yml, Procfile, Dockerfile, .env.example) read as the
tools read them, and held to the invariants that keep production shaped like the code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor import store
from monitor.cli import health, processes
from tests.paths import ROOT

APP_SERVICES = set(processes.NAMES)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    entries = [line.split(":", 1) for line in lines if line.strip() and not line.startswith("#")]
    names = [name.strip() for name, _ in entries]
    assert len(names) == len(set(names)), "a process type is listed twice"
    return {name.strip(): command.strip() for name, command in entries}


def statusmon(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=60,
    )


def test_procfile_compose_and_processes_name_the_same_processes(
    services: dict[str, dict[str, Any]],
) -> None:
    always = {name for name, service in services.items() if "profiles" not in service}
    assert set(procfile()) == always - {"redis"} == APP_SERVICES


def test_the_ha_profile_adds_a_replica_and_three_sentinels_the_env_example_points_at(
    services: dict[str, dict[str, Any]],
) -> None:
    ha = {name for name, service in services.items() if "ha" in service.get("profiles", [])}
    assert ha == {"redis-replica", "sentinel-1", "sentinel-2", "sentinel-3"}
    assert services["redis-replica"]["command"][1:4] == ["--replicaof", "redis", "6379"]
    for name in ("sentinel-1", "sentinel-2", "sentinel-3"):
        assert services[name]["hostname"] == name
        assert "sentinel monitor statusmon redis 6379 2" in services[name]["command"][0]
    example = (ROOT / ".env.example").read_text()
    assert "# REDIS_SENTINELS=sentinel-1:26379,sentinel-2:26379,sentinel-3:26379" in example
    assert "# REDIS_SENTINEL_MASTER=statusmon" in example
    env = services["worker"]["environment"]
    assert env["REDIS_SENTINELS"] == "${REDIS_SENTINELS:-}"  # blank: REDIS_URL alone


def test_every_process_runs_statusmon_proc_by_its_own_name() -> None:
    assert procfile() == {name: f"statusmon proc {name}" for name in processes.NAMES}


def test_every_compose_service_runs_the_same_image_with_statusmon_proc(
    services: dict[str, dict[str, Any]],
) -> None:
    images = {services[name]["image"] for name in APP_SERVICES}
    builds = {str(services[name].get("build")) for name in APP_SERVICES}
    assert len(images) == 1 and len(builds) == 1
    for name in APP_SERVICES:
        assert services[name]["command"] == ["statusmon", "proc", name]


def test_there_is_exactly_one_beat_and_no_worker_runs_an_embedded_beat(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    beats = [name for name, svc in services.items() if svc.get("command", [])[-1:] == ["beat"]]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name in processes.NAMES:
        if name == "flower":
            continue  # its command needs credentials; checked in its own tests
        argv = processes.command(name, {"MONITOR_DATA": str(tmp_path)})
        assert "-B" not in argv and "--beat" not in argv
    assert processes.command("beat", {"MONITOR_DATA": str(tmp_path)}).count("beat") == 1


def test_workers_scale_without_name_or_port_clashes(services: dict[str, dict[str, Any]]) -> None:
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert "poll@%h" in processes.command("worker", {})  # one node name per container


def test_the_notifier_consumes_notify_the_worker_poll_and_the_deliverer_deliver(
    services: dict[str, dict[str, Any]],
) -> None:
    def queue(name: str) -> str:
        argv = processes.command(name, {})
        return argv[argv.index("-Q") + 1]

    assert (queue("notifier"), queue("worker")) == ("notify", "control,poll")
    assert queue("deliverer") == "deliver"
    assert "--pool" in (argv := processes.command("notifier", {})) and "solo" in argv
    assert services["notifier"]["command"] == ["statusmon", "proc", "notifier"]


def test_the_deliverer_is_one_process_of_threads_sized_by_deliver_concurrency(
    services: dict[str, dict[str, Any]],
) -> None:
    argv = processes.command("deliverer", {"DELIVER_CONCURRENCY": "3"})
    assert argv[argv.index("--pool") + 1] == "threads"  # one process: at most one core
    assert argv[argv.index("--concurrency") + 1] == "3"
    assert "deliver@%h" in argv
    assert services["deliverer"]["environment"]["MONITOR_PAGES"] == "/app/config/pages.yaml"


def test_flower_is_behind_basic_auth_and_only_on_loopback(
    services: dict[str, dict[str, Any]],
) -> None:
    flower = services["flower"]
    assert flower["environment"]["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH:?")
    assert all(str(port).startswith("127.0.0.1:") for port in flower["ports"])
    text = (ROOT / "docker-compose.yml").read_text() + (ROOT / ".env.example").read_text()
    assert "FLOWER_UNAUTHENTICATED_API" not in text
    argv = processes.command("flower", {"FLOWER_BASIC_AUTH": "ops:s3cret-pass"})
    assert not any("s3cret-pass" in arg for arg in argv)  # read from the env, not in `ps`


@pytest.mark.parametrize("value", ["", "   ", "ops", "ops:", ":pass", "a:b,broken"])
def test_the_flower_process_refuses_to_start_without_proper_credentials(value: str) -> None:
    done = statusmon("proc", "flower", FLOWER_BASIC_AUTH=value)
    assert done.returncode == 2
    assert done.stderr.startswith("statusmon: FLOWER_BASIC_AUTH: ")
    assert "Flower does not start" in done.stderr


def test_services_start_in_order_once_what_they_need_is_healthy(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, svc in services.items():
        assert svc.get("healthcheck", {}).get("test"), f"{name}: no healthcheck"
        for needed, condition in svc.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}, name
            assert needed in services
        if name != "redis":
            assert "redis" in svc["depends_on"]
    assert set(services["beat"]["depends_on"]) == {"redis", "worker", "notifier"}


def test_redis_persists_and_never_evicts(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    command = [str(arg) for arg in redis["command"]]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    volume = redis["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # a named volume, not a host folder
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert redis["image"].startswith("redis:")


def test_the_image_is_slim_python_runs_as_a_user_and_prints_help_by_default() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    froms = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert froms[-1] == "python:3.11-slim"
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert lines[-1] == 'CMD ["statusmon", "--help"]'
    assert any("pip install" in line and "statusmon" in line for line in lines)
    done = statusmon("--help")
    assert done.returncode == 0 and "proc" in done.stdout


_READS = re.compile(
    r"""(?:environ|env)(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|\(env, ["']([A-Z][A-Z0-9_]+)["']"""
)


def settings_read_by_the_code() -> set[str]:
    files = [*ROOT.glob("monitor/**/*.py"), *ROOT.glob("workers/*.py"), ROOT / "celeryconfig.py"]
    found: set[str] = set()
    for path in files:
        if "simulate" in path.parts:
            continue  # the test-bench simulator is not a deployed process
        for match in _READS.finditer(path.read_text(encoding="utf-8")):
            found.add(match[1] or match[2])
    return found


def test_env_example_lists_every_setting_the_code_and_compose_read() -> None:
    compose_vars = set(
        re.findall(r"\$\{([A-Z][A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text())
    )
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    wanted = settings_read_by_the_code() | compose_vars
    assert {"REDIS_URL", "LOG_FORMAT", "FLOWER_BASIC_AUTH", "POLL_CONCURRENCY"} <= wanted
    assert wanted - listed == set()


def test_beat_is_healthy_while_its_ticks_run(r: store.Redis) -> None:
    assert not health.fresh(r, "beat", 30)
    store.heartbeat(r, "beat")
    assert health.fresh(r, "beat", 30)
    assert not health.fresh(r, "beat", 30, now=time.time() + 60)


def test_paths_the_image_needs_are_not_excluded_from_its_build_context() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    copied = {"pyproject.toml", "celeryconfig.py", "monitor", "workers", "pages.yaml"}
    assert copied.isdisjoint(ignored)
    assert all((ROOT / Path(name)).exists() for name in copied)


def test_compose_and_dockerfile_use_only_what_docker_compose_1_29_and_docker_20_10_accept(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    assert "name" not in compose  # top-level name: Compose 2.3+
    for name, svc in services.items():
        for entry in svc.get("env_file") or []:
            assert isinstance(entry, str), f"{name}: env_file with path/required is Compose 2.24+"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "# syntax=" not in dockerfile  # pulls a frontend image from Docker Hub
    assert "--mount" not in dockerfile  # BuildKit only
    assert "COPY --link" not in dockerfile and "<<" not in dockerfile  # BuildKit only


_VOLUME = re.compile(r"(\$\{[^}]*\}|[^:]+):([^:]+)(?::(\w+))?")  # source:target[:mode]


def test_the_pages_file_is_read_from_a_mounted_folder_that_beat_may_write(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ("web", "beat"):
        pages = services[name]["environment"]["MONITOR_PAGES"]
        mounts = [_VOLUME.fullmatch(str(v)) for v in services[name]["volumes"]]
        folders = {m[2]: (m[1], m[3]) for m in mounts if m}
        assert str(Path(pages).parent) in folders, f"{name}: {pages} is not in a mounted folder"
        source, mode = folders[str(Path(pages).parent)]
        assert source.startswith("${PAGES_DIR:-") and mode == ("ro" if name == "web" else None)
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    assert any(line.startswith("ENV MONITOR_PAGES=/app/config/pages.yaml") for line in lines)
    for name in APP_SERVICES:  # the host user's uid; a group the image has (Celery checks it)
        assert services[name]["user"] == "${STATUSMON_UID:-10001}:10001"
