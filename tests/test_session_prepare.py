"""The session prepares a plain GET once per URL and headers, and copies it after; the first
time without requests' merging of session settings, to the same result; anything else
(cookies, a body, auth, a netrc entry, hooks) is prepared as requests does."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

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


ODD_URLS = [
    URL,
    "http://127.0.0.1:9",  # no path
    "HTTP://Status.Example.COM/api/v2/summary.json?x=1&y=a b#top",
    "https://bücher.example/api/v2/summary.json",  # an IDNA host
    "https://example.com/p/ä ö/%7Euser/summary.json",  # to be quoted, or already
    "https://user:secret@example.com/api/v2/summary.json",  # credentials in the URL
]


def test_a_plain_get_prepared_cold_is_what_requests_itself_prepares() -> None:
    session = new_session()
    for url in ODD_URLS:
        request = requests.Request("GET", url, headers={"If-None-Match": '"a"'})
        ours = session.prepare_request(request)
        theirs = requests.Session.prepare_request(session, request)
        assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)
        assert dict(ours.headers) == dict(theirs.headers), url
        assert ours.hooks == theirs.hooks


def test_a_host_with_a_netrc_entry_gets_its_credentials_as_requests_would_give_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login bot password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    session = new_session()
    ours = session.prepare_request(get())
    assert ours.headers["Authorization"] == requests.auth._basic_auth_str("bot", "s3cret")
    other = session.prepare_request(requests.Request("GET", "http://localhost:9/x"))
    assert "Authorization" not in other.headers


def test_a_session_hook_is_kept_on_a_plain_get() -> None:
    session = new_session()
    seen: list[object] = []
    session.hooks["response"].append(seen.append)
    assert session.prepare_request(get()).hooks["response"] == [seen.append]


def test_the_pool_a_request_goes_to_is_what_requests_works_out(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    session = new_session()
    urls = [URL, "http://127.0.0.1:10/x", "https://example.com/a", "https://EXAMPLE.com:8443/b"]
    settings: list[tuple[object, object]] = [(True, None), (False, None), (str(bundle), None)]
    settings += [(str(tmp_path), None), (True, ("c.pem", "k.pem")), (True, "both.pem")]
    for url in urls:
        prepared = session.prepare_request(requests.Request("GET", url))
        adapter = session.get_adapter(url)
        for verify, cert in settings:
            for _ in range(2):  # worked out, then remembered
                ours = adapter.build_connection_pool_key_attributes(prepared, verify, cert)  # type: ignore[arg-type]
                theirs = HTTPAdapter.build_connection_pool_key_attributes(
                    adapter,
                    prepared,
                    verify,  # type: ignore[arg-type]
                    cert,  # type: ignore[arg-type]
                )
                assert ours == theirs, (url, verify, cert)
                ours[1]["changed"] = "by the caller"  # never the remembered one
