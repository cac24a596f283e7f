"""Redirects from a hostile page on 127.0.0.1: followed on the configured host and port, to
other hosts only when every address they resolve to is public (monitor.redirects)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from monitor import redirects
from monitor.errors import FetchError
from monitor.request import get
from monitor.session import new_session
from tests.support import hostile
from tests.support.hostile import HostileServer

META = "/latest/meta-data/iam/security-credentials/?token=secret"


@pytest.fixture
def page() -> Iterator[HostileServer]:
    s = HostileServer()
    yield s
    s.close()


@pytest.fixture
def other() -> Iterator[HostileServer]:
    """Another service on this machine, e.g. a cloud metadata proxy."""
    s = HostileServer().on(META, hostile.body({"AccessKeyId": "AKIA..."}))
    yield s
    s.close()


def refusal(url: str, **limits: bool) -> FetchError:
    with pytest.raises(FetchError) as caught:
        get(new_session(**limits), url, 5, {})  # type: ignore[arg-type]
    return caught.value


def test_a_redirect_to_another_port_on_loopback_is_refused_before_it_is_asked(
    page: HostileServer, other: HostileServer
) -> None:
    page.on("/api/v2/summary.json", hostile.redirect(other.url + META))
    error = refusal(page.url + "/api/v2/summary.json")
    assert (str(error), error.transient) == (
        "redirect to 127.0.0.1 refused: not a public address (127.0.0.1)",
        False,
    )
    assert other.seen == []


def test_a_redirect_to_a_name_that_resolves_to_loopback_is_refused(
    page: HostileServer, other: HostileServer
) -> None:
    port = other.host.rpartition(":")[2]
    page.on("/s", hostile.redirect(f"http://localhost:{port}{META}"))
    error = refusal(page.url + "/s")
    assert str(error).startswith("redirect to localhost refused: not a public address (")
    assert "127.0.0.1" in str(error) and "meta-data" not in str(error)
    assert other.seen == []


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://10.0.0.8/admin",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
    ],
)
def test_a_redirect_to_a_private_address_is_refused_without_connecting(
    page: HostileServer, target: str
) -> None:
    page.on("/s", hostile.redirect(target))
    error = refusal(page.url + "/s")
    assert "refused: not a public address" in str(error) and "/latest" not in str(error)


def test_a_name_that_resolves_to_loopback_only_when_connecting_is_refused_unread(
    page: HostileServer, other: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name looked public when checked; the address the request really
    connected to is checked again before its answer is read."""
    port = int(other.host.rpartition(":")[2])
    monkeypatch.setattr(redirects, "resolve", lambda host, port: ["93.184.215.14"])
    page.on("/s", hostile.redirect(f"http://localhost:{port}{META}"))
    error = refusal(page.url + "/s")
    assert (str(error), error.transient) == (
        "redirect to localhost refused: it connected to a non-public address (127.0.0.1)",
        False,
    )


def test_a_redirect_on_the_configured_host_and_port_is_followed(page: HostileServer) -> None:
    page.on("/old", hostile.redirect("/api/v2/summary.json", "301 Moved Permanently"))
    page.on("/api/v2/summary.json", hostile.body({"page": {}}))
    assert get(new_session(), page.url + "/old", 5, {}).body == b'{"page": {}}'
    assert page.seen == ["/old", "/api/v2/summary.json"]


def test_private_redirects_may_be_allowed_by_the_operator(
    page: HostileServer, other: HostileServer
) -> None:
    page.on("/s", hostile.redirect(other.url + META, "307 Temporary Redirect"))
    answer = get(new_session(private_redirects=True), page.url + "/s", 5, {})
    assert answer.body == b'{"AccessKeyId": "AKIA..."}' and other.seen == [META]


def test_a_redirect_loop_stops_after_five_hops(page: HostileServer) -> None:
    page.on("/loop", hostile.redirect("/loop"))
    error = refusal(page.url + "/loop")
    assert (str(error), error.transient, len(page.seen)) == ("more than 5 redirects", False, 6)


@pytest.mark.parametrize(
    ("origin", "target", "says"),
    [
        ("https://status.example.com/", "http://status.example.com/x", "from https to http"),
        ("http://127.0.0.1:8000/", "file:///etc/passwd", "a file URL"),
        ("http://127.0.0.1:8000/", "gopher://127.0.0.1:70/x", "a gopher URL"),
    ],
)
def test_a_redirect_to_another_scheme_or_down_to_http_is_refused(
    origin: str, target: str, says: str
) -> None:
    with pytest.raises(FetchError, match=says):
        redirects.check(origin, target, private_allowed=True)


def test_a_redirect_to_an_invalid_url_is_refused(page: HostileServer) -> None:
    page.on("/s", hostile.redirect("http://[::1/latest"))
    error = refusal(page.url + "/s")
    assert (str(error), error.transient) == ("redirect to an invalid URL refused", False)


def test_a_redirect_to_a_public_address_is_followed() -> None:
    redirects.check("http://127.0.0.1:8000/", "https://93.184.215.14/api/v2/summary.json")
    redirects.check("http://127.0.0.1:8000/", "http://[2606:2800:21f:cb07::1]/")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("fe80::1%eth0", False),
        ("fd00:ec2::254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("ff02::1", False),
        ("240.0.0.1", False),
        ("::ffff:127.0.0.1", False),
    ],
)
def test_only_globally_routable_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert redirects.public(address) is public
