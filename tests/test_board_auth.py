"""BOARD_AUTH on and off: the board, API, stream, feeds and badges behind it; webhooks and
/health keep their own rules; bad values are refused at start."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from monitor import store
from monitor.pages import ConfigError
from monitor.settings import load_settings
from tests.support import board as b

TOKEN = "a-board-token-of-24-chars"
PROTECTED = ("/", "/board/live", "/api/v1/pages", "/api/v1/summary", "/api/v1/events",
             "/feed.atom", "/badge/gh.svg", "/static/board/board.css")  # fmt: skip


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def code(client: FlaskClient, path: str, headers: dict[str, str] | None = None) -> int:
    with client.get(path, headers=headers or {}) as response:  # a static file is closed
        return response.status_code


def setup(r: store.Redis) -> None:
    b.register(r, b.page("gh", "GitHub"))


def test_without_board_auth_the_board_is_open(
    r: store.Redis, redis_url: str, tmp_path: Path
) -> None:
    setup(r)
    client = b.app(tmp_path, redis_url).test_client()
    for path in PROTECTED:
        assert code(client, path) == 200, path


def test_with_a_user_and_password_only_they_get_in(
    r: store.Redis, redis_url: str, tmp_path: Path
) -> None:
    setup(r)
    client = b.app(tmp_path, redis_url, board_auth="ann:pw-one,bob:pw-two").test_client()
    for path in PROTECTED:
        with client.get(path) as refused:
            assert refused.status_code == 401, path
            assert refused.get_json() == {"error": "authentication required"}
            assert refused.headers["WWW-Authenticate"].startswith("Basic ")
        assert code(client, path, headers=basic("bob", "pw-two")) == 200, path
    assert code(client, "/", headers=basic("bob", "pw-one")) == 401
    assert code(client, "/", headers={"Authorization": "Bearer pw-two"}) == 401
    assert code(client, "/", headers={"Authorization": "Basic !!notbase64"}) == 401


def test_with_a_token_a_bearer_or_a_browser_password_gets_in(
    r: store.Redis, redis_url: str, tmp_path: Path
) -> None:
    setup(r)
    client = b.app(tmp_path, redis_url, board_auth=TOKEN).test_client()
    assert code(client, "/api/v1/pages") == 401
    assert code(client, "/api/v1/pages", headers={"Authorization": f"Bearer {TOKEN}"}) == 200
    assert code(client, "/", headers=basic("anyone", TOKEN)) == 200
    assert code(client, "/", headers={"Authorization": f"Bearer {TOKEN}x"}) == 401


def test_health_and_webhooks_keep_their_own_rules(
    r: store.Redis, redis_url: str, tmp_path: Path
) -> None:
    client = b.app(tmp_path, redis_url, board_auth=TOKEN).test_client()
    assert code(client, "/health") in (200, 503)  # answered, not 401
    assert client.post("/webhook/nope", data=b"{}").status_code == 404


def test_nothing_of_the_credentials_reaches_an_answer(
    r: store.Redis, redis_url: str, tmp_path: Path
) -> None:
    setup(r)
    client = b.app(tmp_path, redis_url, board_auth=TOKEN).test_client()
    for path in PROTECTED:
        for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
            with client.get(path, headers=headers) as response:
                assert TOKEN not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("value", "problem"),
    [("short", "at least 16"), ("user:", "user:password"), (":pw", "user:password")],
)
def test_a_bad_board_auth_is_refused_naming_the_variable_not_the_value(
    value: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"BOARD_AUTH": value})
    (line,) = caught.value.problems
    assert line.startswith("BOARD_AUTH:") and problem in line
    assert value not in line.replace("user:password", "")


def test_a_blank_board_auth_leaves_the_board_open() -> None:
    assert load_settings({"BOARD_AUTH": "  "}).web.board_auth is None
    assert "ann" not in repr(load_settings({"BOARD_AUTH": "ann:secret-pw"}))
