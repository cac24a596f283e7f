"""workers/priority.py: the deliverer runs below the notifier's CPU priority."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.celery_workers import wait_ready
from tests.support.procs import celery_proc

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import os, sys
from pathlib import Path
from monitor.priority import lower_priority
group = Path(sys.argv[1])
group.write_text("/autogroup-1 nice 0")
print(lower_priority(3, group), group.read_text())
"""


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _probe(tmp_path: Path, own_session: bool) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "autogroup")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        start_new_session=own_session,
        check=True,
    )
    return done.stdout.strip()


def test_a_process_leading_its_session_lowers_its_group_too(tmp_path: Path) -> None:
    assert _probe(tmp_path, own_session=True) == f"{os.nice(0) + 3} 3"


def test_a_process_sharing_a_session_leaves_the_group_alone(tmp_path: Path) -> None:
    assert _probe(tmp_path, own_session=False) == f"{os.nice(0) + 3} /autogroup-1 nice 0"


def test_the_deliverer_runs_deliver_nice_levels_below_the_notifier(
    redis_url: str, tmp_path: Path
) -> None:
    url = redis_url.rsplit("/", 1)[0] + "/9"  # its own broker: only these two answer pings
    env = {**os.environ, "REDIS_URL": url, "LOG_LEVEL": "INFO", "DELIVER_NICE": "7"}
    procs = [celery_proc(name, env, tmp_path).start() for name in ("deliverer", "notifier")]
    try:
        wait_ready({"deliver", "notifier"}, procs, timeout=90, broker=url)
        deliverer, notifier = (p.process.pid for p in procs if p.process is not None)
        assert _nice(deliverer) == _nice(notifier) + 7
        threads = list(Path(f"/proc/{deliverer}/task").iterdir())  # those started since inherit it
        assert all(_nice(int(t.name)) == _nice(deliverer) for t in threads)
    finally:
        for proc in procs:
            proc.stop()
