"""The read API on the real web app and the suite's real Redis: pages, one page, the event log
with its cursors, errors as {"error": …}."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from monitor import status, store
from monitor.boardsource import WAIT
from monitor.cli.redis_server import free_port
from monitor.pages import PageConfig
from tests.support import board as b

GH = b.page("gh", "GitHub")
OAI = b.page("oai", "OpenAI")


@pytest.fixture
def client(r: store.Redis, redis_url: str, tmp_path: Path) -> FlaskClient:
    return b.app(tmp_path, redis_url).test_client()


def trouble(r: store.Redis) -> None:
    b.register(r, GH, OAI)
    b.healthy(r)
    store.save_state(r, "gh", b.state({"c1": ("Actions", status.OPERATIONAL)}))
    store.save_state(
        r,
        "oai",
        b.state(
            {"chat": ("Chat Completions", status.PARTIAL_OUTAGE), "img": ("Images", "operational")},
            {"inc1": ("Elevated errors", ["chat"])},
        ),
    )
    for page_id in ("gh", "oai"):
        b.polled(r, page_id)
    b.log(
        r,
        b.incident_event("oai", "OpenAI", "inc1", "u1", "investigating", "We are looking."),
        b.incident_event("oai", "OpenAI", "inc1", "u2", "identified", "Found it."),
    )


def test_pages_lists_every_watched_page_in_trouble_first(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    body = client.get("/api/v1/pages").get_json()
    assert [p["id"] for p in body["pages"]] == ["oai", "gh"]
    oai = body["pages"][0]
    assert (oai["status"], oai["status_text"], oai["open_incidents"]) == (
        "partial_outage",
        "Partial Outage",
        1,
    )
    assert oai["last_poll"] is not None and oai["health"]["reachable"] is True
    assert body["healthy"] is True and body["problems"] == []


def test_one_page_has_its_components_and_open_incidents_with_their_updates_newest_first(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    page = client.get("/api/v1/pages/oai").get_json()
    assert {c["id"]: c["status"] for c in page["components"]} == {
        "chat": "partial_outage",
        "img": "operational",
    }
    (incident,) = page["incidents"]
    assert incident["phase"] == "identified" and incident["components"] == ["chat"]
    assert [u["body"] for u in incident["updates"]] == ["Found it.", "We are looking."]
    assert incident["url"] == "https://oai.example.invalid/incidents/inc1"


def test_an_unknown_page_is_a_404_with_an_error(r: store.Redis, client: FlaskClient) -> None:
    response = client.get("/api/v1/pages/nope")
    assert response.status_code == 404 and response.get_json() == {"error": "no page 'nope'"}
    assert client.get("/api/v1/events?page=nope").status_code == 404


def test_a_page_never_polled_is_unknown_not_operational(
    r: store.Redis, client: FlaskClient
) -> None:
    b.register(r, GH)
    b.healthy(r)
    (page,) = client.get("/api/v1/pages").get_json()["pages"]
    assert page["status"] == "unknown" and page["last_poll"] is None


def test_a_page_failing_for_longer_than_three_intervals_is_unknown_and_unhealthy(
    r: store.Redis, client: FlaskClient
) -> None:
    b.register(r, b.page("gh", "GitHub", interval=1))
    b.healthy(r)
    store.save_state(r, "gh", b.state({"c1": ("Actions", status.OPERATIONAL)}))
    r.hset("statusmon:polls:failing", "gh", 1000.0)  # long ago: the poll marks' own key
    body = client.get("/api/v1/pages").get_json()
    assert body["pages"][0]["status"] == "unknown"
    assert body["pages"][0]["health"]["reachable"] is False
    assert body["healthy"] is False and "GitHub" in body["problems"][0]


def test_a_failed_poll_marks_the_page_failing_and_a_good_one_clears_it(r: store.Redis) -> None:
    b.register(r, GH)
    b.polled(r, "gh", "error")
    first = r.hget("statusmon:polls:failing", "gh")
    b.polled(r, "gh", "error")
    assert r.hget("statusmon:polls:failing", "gh") == first  # since the first failure
    b.polled(r, "gh", "changed")
    assert r.hget("statusmon:polls:failing", "gh") is None


def test_silent_beat_or_notifier_is_said_plainly(
    unwatched: tuple[store.Redis, str], tmp_path: Path
) -> None:
    r, url = unwatched
    b.register(r, GH)
    store.heartbeat(r, "poll")
    problems = b.app(tmp_path, url).test_client().get("/api/v1/pages").get_json()["problems"]
    assert any("beat" in p for p in problems) and any("notifier" in p for p in problems)


def test_events_reads_the_log_oldest_first_with_a_cursor(
    r: store.Redis, client: FlaskClient
) -> None:
    trouble(r)
    b.log(r, b.component_event("gh", "GitHub", "c1", "degraded", "operational"))
    first = client.get("/api/v1/events?limit=2").get_json()
    assert [e["update_id"] for e in first["events"]] == ["u1", "u2"]
    assert first["events"][0]["status_text"] == "Investigating - We are looking."
    rest = client.get(f"/api/v1/events?cursor={first['next_cursor']}").get_json()
    assert [e["kind"] for e in rest["events"]] == ["component"]
    again = client.get(f"/api/v1/events?cursor={rest['next_cursor']}").get_json()
    assert again == {"events": [], "next_cursor": rest["next_cursor"]}


def test_events_of_one_page_and_since_a_time(r: store.Redis, client: FlaskClient) -> None:
    trouble(r)
    b.log(r, b.component_event("gh", "GitHub", "c1", "degraded", "operational"))
    only = client.get("/api/v1/events?page=gh").get_json()["events"]
    assert [e["page_id"] for e in only] == ["gh"]
    future = client.get("/api/v1/events?since=2999-01-01T00:00:00Z").get_json()
    assert future["events"] == []


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=1001", "limit=ten", "cursor=abc", "cursor=1-2-3", "since=yesterday"],
)
def test_a_bad_query_is_a_400_naming_the_field(
    r: store.Redis, client: FlaskClient, query: str
) -> None:
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(query.split("=")[0] + ":")


def test_cursors_never_skip_or_repeat_an_event_while_events_are_appended(
    r: store.Redis, client: FlaskClient
) -> None:
    b.register(r, GH)
    total = 300
    done = threading.Event()

    def append() -> None:
        for n in range(total):
            b.log(r, b.incident_event("gh", "GitHub", "i", f"u{n}", "investigating", str(n)))
        done.set()

    writer = threading.Thread(target=append)
    writer.start()
    seen: list[str] = []
    cursor = None
    while True:
        finished = done.is_set()
        query = "limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/events?{query}").get_json()
        seen += [e["body"] for e in page["events"]]
        cursor = page["next_cursor"] or cursor
        if finished and not page["events"]:
            break
    writer.join()
    assert seen == [str(n) for n in range(total)]


def test_nothing_secret_reaches_an_answer(r: store.Redis, client: FlaskClient) -> None:
    secret = "hunter2-the-page-password"
    b.register(
        r, PageConfig(id="gh", name="GitHub", url=f"https://user:{secret}@gh.example.invalid/")
    )
    store.save_state(r, "gh", b.state({"c1": ("Actions", status.OPERATIONAL)}))
    for path in ("/api/v1/pages", "/api/v1/pages/gh", "/api/v1/summary", "/", "/feed.atom"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert secret not in response.get_data(as_text=True), path


def test_with_redis_away_the_board_and_the_api_answer_503_in_words_at_once(
    tmp_path: Path,
) -> None:
    client = b.app(tmp_path, f"redis://127.0.0.1:{free_port()}/0").test_client()
    for path in ("/", "/api/v1/pages", "/api/v1/summary"):
        started = time.monotonic()
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.get_json() == {
            "error": "the board is not available right now; try again shortly"
        }
        assert time.monotonic() - started < WAIT  # the failed build said so, no wait for it
