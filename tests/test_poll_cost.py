"""What a 304 poll costs Redis: counted with MONITOR on the suite's real Redis, per client."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import redis

from monitor import keys, store
from monitor.pages import PageConfig
from monitor.poll import Poller
from monitor.pollstore import Ending
from monitor.registry import sync_pages
from monitor.session import new_session
from tests.support.pageserver import PageServer
from tests.support.scenarios import StatuspageStory
from workers.tasks import poll_one

SUMMARY = "/api/v2/summary.json"
MARK = "statusmon-test-end-of-count"


def commands_of(client: store.Redis, redis_url: str, action: Callable[[], Any]) -> list[str]:
    """The commands `client` sent to Redis while `action` ran, as MONITOR saw them."""
    addr = client.client_info()["addr"]
    watcher = redis.Redis.from_url(redis_url, decode_responses=True)
    seen: list[str] = []
    with watcher.monitor() as m:
        client.echo(MARK + "-start")
        for cmd in m.listen():  # MONITOR is on from here
            if MARK + "-start" in cmd["command"]:
                break
        action()
        client.echo(MARK)
        for cmd in m.listen():
            if f"{cmd['client_address']}:{cmd['client_port']}" != addr:
                continue
            if MARK in cmd["command"]:
                break
            seen.append(cmd["command"].split()[0])
    watcher.close()
    return seen


def watched(r: store.Redis, pages: PageServer) -> PageConfig:
    pages.set_json(f"/claude{SUMMARY}", StatuspageStory().summary("operational"))
    page = PageConfig("claude", "Claude", f"{pages.url}/claude", "statuspage")
    sync_pages(r, [page], 0.0)
    return page


def test_a_304_poll_is_two_redis_round_trips_and_counts_itself(
    r: store.Redis, redis_url: str, pages: PageServer
) -> None:
    page = watched(r, pages)
    client = store.connect(redis_url)
    poller = Poller(client, new_session(), timeout=5)
    assert poller.poll(page, lambda _: None).outcome == "changed"  # first poll, scripts loaded

    result: list[str] = []
    sent = commands_of(client, redis_url, lambda: result.append(poller.poll(page, print).outcome))
    assert result == ["not_modified"]
    assert sent == ["EVALSHA", "EVALSHA"]  # begin (back-off, lock, validators); finish
    assert r.hget(keys.METRICS_POLLS, "claude|not_modified") == "1"
    assert r.exists(keys.lock("claude")) == 0  # released
    client.close()


def test_a_304_poll_through_the_task_body_is_at_most_four_redis_commands(
    r: store.Redis, redis_url: str, pages: PageServer
) -> None:
    page = watched(r, pages)
    client = store.connect(redis_url)
    task = SimpleNamespace(redis=client, poller=Poller(client, new_session(), timeout=5))
    assert poll_one(task, page.id)["outcome"] == "changed"  # type: ignore[arg-type]

    result: list[dict[str, Any]] = []
    sent = commands_of(client, redis_url, lambda: result.append(poll_one(task, page.id)))  # type: ignore[arg-type]
    assert result[0]["outcome"] == "not_modified"
    assert len(sent) <= 4, sent
    assert r.hget(keys.METRICS_POLLS, "claude|not_modified") == "1"  # counted once, not twice
    client.close()


def test_a_poll_of_a_busy_page_takes_nothing_and_counts_busy(
    r: store.Redis, redis_url: str, pages: PageServer
) -> None:
    page = watched(r, pages)
    holder = store.page_lock(r, page.id)
    assert holder.acquire(blocking=False)
    client = store.connect(redis_url)
    task = SimpleNamespace(redis=client, poller=Poller(client, new_session(), timeout=5))
    assert poll_one(task, page.id)["outcome"] == "busy"  # type: ignore[arg-type]
    assert pages.hits[f"/claude{SUMMARY}"] == 0
    assert r.hget(keys.METRICS_POLLS, "claude|busy") == "1"
    holder.release()  # still the holder's: the busy poll left it alone
    client.close()


def test_finishing_a_poll_whose_lock_expired_leaves_the_new_holders_lock_alone(
    r: store.Redis, pages: PageServer
) -> None:
    page = watched(r, pages)
    poller = Poller(r, new_session(), timeout=5)
    begun = poller.scripts.begin(page.id, page.host, [], 0.0)
    assert begun.outcome == "ok"
    r.set(keys.lock(page.id), "another poll's token")  # ours expired; another took it
    poller.scripts.finish(Ending(page.id, begun.token, "not_modified", (0, 0), 60, 0.0))
    assert r.get(keys.lock(page.id)) == "another poll's token"
    assert r.hget(keys.METRICS_POLLS, "claude|not_modified") == "1"
