"""The HTTP client of a process: one requests session, with the limits every fetch obeys.

The limits ride on the session because the session is what each process builds once from its
settings and hands to every fetch (monitor.fetch reads them; a plain requests.Session gets
the defaults). Its connections attach their socket to the running request's deadline
(monitor.deadline) when they wait for an answer, so a server cannot trickle past it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from monitor import deadline

USER_AGENT = "statusmon/0.1 (+https://github.com/statusmon)"
MAX_BODY = 8 << 20  # bytes of a body, decoded (MONITOR_MAX_BODY)
MAX_REDIRECTS = 5
PREPARED = 16_384  # prepared GETs a session keeps (a page's URL and validators)
# Hosts whose kept-alive connections a session keeps (urllib3's pools, least recently used
# first out): with one pool per fetch thread, 100 hosts polled in turn by 64 threads closed
# and reopened a connection on about a third of the polls.
HOST_POOLS = 1024


class Session(requests.Session):
    """`max_body`: bytes of a decoded body before the fetch gives up; `private_redirects`:
    whether a redirect may lead to another host on a private, loopback or link-local address
    (monitor.redirects).

    requests reads proxies and CA bundles from the environment again on every request (two
    scans of os.environ per GET, ~10 % of a 304 poll's CPU); they cannot change under a running
    process, so they are read once per scheme and host. Likewise a plain GET (no body, params,
    auth or cookies) of the same URL with the same headers is prepared once and copied after
    (preparing it, netrc lookup included, was ~20 % of a 304 poll's CPU); the session's own
    headers are set before its first request (new_session) and never change."""

    def __init__(self, max_body: int = MAX_BODY, private_redirects: bool = False) -> None:
        super().__init__()
        self.max_body = max_body
        self.private_redirects = private_redirects
        self.max_redirects = MAX_REDIRECTS
        self._environment: dict[tuple[str, str], Any] = {}
        self._prepared: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
        self._netrc_hosts: dict[str, bool] = {}

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        plain = request.method == "GET" and not (
            request.data or request.json or request.files or request.params or request.auth
        )
        if not plain or request.cookies or self.cookies or not isinstance(request.url, str):
            return super().prepare_request(request)
        key = (request.url, tuple(sorted(request.headers.items())))
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepare_plain(request)
            if len(self._prepared) >= PREPARED:
                self._prepared.clear()
            self._prepared[key] = prepared
        return prepared.copy()

    def _prepare_plain(self, request: requests.Request) -> requests.PreparedRequest:
        """A plain GET prepared by requests' own steps, without its merging of session
        settings (two thirds of preparing one: `typing` protocol checks, cookie jars, netrc),
        when there is nothing to merge: no session auth, params or hooks, no credentials in
        the URL, no netrc entry for its host. A worker meets each page's URL cold in each
        process (10,000 pages over 4 processes), so this runs about once per page and process."""
        url = str(request.url)
        netloc = urlsplit(url).netloc
        if self.auth or self.params or any(self.hooks.values()) or any(request.hooks.values()):
            return super().prepare_request(request)
        if "@" in netloc or self._netrc(url, netloc):
            return super().prepare_request(request)
        headers = CaseInsensitiveDict(self.headers)
        headers.update(request.headers)
        prepared = requests.PreparedRequest()
        prepared.prepare(method="GET", url=url, headers=headers, hooks=default_hooks())
        return prepared

    def _netrc(self, url: str, netloc: str) -> bool:
        """Whether requests would take credentials for this host from a netrc file (read once
        per host: requests reads it again on every request)."""
        if netloc not in self._netrc_hosts:
            self._netrc_hosts[netloc] = self.trust_env and get_netrc_auth(url) is not None
        return self._netrc_hosts[netloc]

    def resolve_redirects(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """None: monitor.request follows redirects itself, by its own policy (requests would
        still parse a Location it is told not to follow, and fail on a malformed one)."""
        return iter(())

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        if proxies or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(str(url))
        key = (parts.scheme, parts.netloc)
        if key not in self._environment:
            self._environment[key] = super().merge_environment_settings(url, {}, None, None, None)
        settings = self._environment[key]
        chosen = self.stream if stream is None else stream
        return {**settings, "proxies": dict(settings["proxies"]), "stream": chosen}


def new_session(
    connections: int = 10, max_body: int = MAX_BODY, private_redirects: bool = False
) -> Session:
    """`connections`: kept-alive connections per host, one per thread that may poll it at once
    (urllib3 drops, and later reopens, any connection beyond its pool's size), for up to
    HOST_POOLS hosts."""
    session = Session(max_body, private_redirects)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json, */*;q=0.5"
    del session.headers["Connection"]  # HTTP/1.1 keeps connections alive without it
    adapter = _Adapter(pool_connections=max(connections, HOST_POOLS), pool_maxsize=connections)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _Connection(HTTPConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline.attach(self.sock, self.proxy is None)
        return super().getresponse(*args, **kwargs)


class _TLSConnection(HTTPSConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline.attach(self.sock, self.proxy is None)
        return super().getresponse(*args, **kwargs)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


def _watched(manager: PoolManager) -> PoolManager:
    manager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}
    return manager


class _Adapter(HTTPAdapter):
    """Connection pools whose connections obey the running request's deadline. Which pool a
    request goes to is worked out once per scheme, host, port and TLS settings: requests does
    it on every request, a stat of the CA bundle's path included (when REQUESTS_CA_BUNDLE or
    CURL_CA_BUNDLE names one), to the same result."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pool_keys: dict[tuple[str, str, Any, Any], Any] = {}
        super().__init__(*args, **kwargs)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> Any:
        parts = urlsplit(str(request.url))
        key = (parts.scheme, parts.netloc, verify, cert)
        found = self._pool_keys.get(key)
        if found is None:
            found = super().build_connection_pool_key_attributes(request, verify, cert)
            if len(self._pool_keys) >= HOST_POOLS:
                self._pool_keys.clear()
            self._pool_keys[key] = found
        return dict(found[0]), dict(found[1])

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watched(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        return _watched(manager) if isinstance(manager, PoolManager) else manager
