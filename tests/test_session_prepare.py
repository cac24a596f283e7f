"""The session prepares a plain GET once per URL and headers, and copies it after; anything
else (cookies, a body, auth) is prepared afresh, as requests does."""

from __future__ import annotations

import requests

from monitor.session import new_session

URL = "http://127.0.0.1:9/api/v2/summary.json"


def get(headers: dict[str, str] | None = None, **kw: object) -> requests.Request:
    return requests.Request("GET", URL, headers=headers or {}, **kw)  # type: ignore[arg-type]


def test_a_plain_get_is_prepared_once_and_each_request_gets_its_own_copy() -> None:
    session = new_session()
    first = session.prepare_request(get({"If-None-Match": '"a"'}))
    first.headers["X-Changed"] = "by a hook"
    second = session.prepare_request(get({"If-None-Match": '"a"'}))
    assert second is not first and "X-Changed" not in second.headers
    assert second.headers["If-None-Match"] == '"a"'
    assert second.headers["User-Agent"].startswith("statusmon/")


def test_new_validators_make_a_new_request() -> None:
    session = new_session()
    session.prepare_request(get({"If-None-Match": '"a"'}))
    assert session.prepare_request(get({"If-None-Match": '"b"'})).headers["If-None-Match"] == '"b"'


def test_a_cookie_the_session_holds_is_sent_as_requests_would() -> None:
    session = new_session()
    session.prepare_request(get())
    session.cookies.set("__cf_bm", "token", domain="127.0.0.1", path="/")
    assert session.prepare_request(get()).headers.get("Cookie") == "__cf_bm=token"


def test_a_request_with_auth_or_params_is_not_taken_from_the_cache() -> None:
    session = new_session()
    session.prepare_request(get())
    with_params = session.prepare_request(get(params={"page": "2"}))
    assert with_params.url == URL + "?page=2"
    with_auth = session.prepare_request(get(auth=("u", "p")))
    assert with_auth.headers["Authorization"].startswith("Basic ")
