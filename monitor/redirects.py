"""Where a status page may send us: the redirect policy of every fetch (monitor.fetch).

The URL the operator configured is trusted, whatever its address (the operator chose it; the
test suite's pages live on 127.0.0.1). A redirect is the page's word, not the operator's, so:
- http and https only, and never from https down to http;
- a target on the configured URL's own host and port is followed;
- a target on any other host is followed only if every address its name resolves to is
  public: not loopback, private, link-local (169.254.0.0/16, cloud metadata), shared,
  unspecified, multicast or reserved. MONITOR_ALLOW_PRIVATE_REDIRECTS=true lifts this last
  rule (a private deployment whose pages redirect between internal hosts).
Every refusal is a permanent FetchError naming the target's host, never its path or query.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urljoin, urlsplit

from monitor.errors import FetchError

SCHEMES = ("http", "https")


def follow(origin: str, current: str, location: str, private_allowed: bool) -> tuple[str, bool]:
    """Where a Location header from `current` leads, if it may be followed (`check`)."""
    try:
        target = urljoin(current, location).partition("#")[0]
    except ValueError:
        raise FetchError("redirect to an invalid URL refused", transient=False) from None
    return target, check(origin, target, private_allowed)


def check(origin: str, target: str, private_allowed: bool = False) -> bool:
    """Raise a permanent FetchError unless a redirect from the configured URL `origin`'s
    chain to `target` may be followed. True: the target must be public, so the address the
    request actually connects to must be too (`peer_check`: a name may resolve differently
    the second time)."""
    try:
        start, to = urlsplit(origin), urlsplit(target)
        host = to.hostname or ""
    except ValueError:
        raise FetchError("redirect to an invalid URL refused", transient=False) from None
    if to.scheme not in SCHEMES or not host:
        raise FetchError(f"redirect to a {to.scheme or 'relative'} URL refused", transient=False)
    if start.scheme == "https" and to.scheme == "http":
        raise FetchError(f"redirect from https to http://{host} refused", transient=False)
    if _endpoint(to) == _endpoint(start) or private_allowed:
        return False
    try:
        addresses = resolve(host, _port(to))
    except (OSError, UnicodeError):
        raise FetchError(f"redirect to {host} refused: cannot resolve it", transient=True) from None
    private = sorted({a for a in addresses if not public(a)})
    if private:
        raise FetchError(
            f"redirect to {host} refused: not a public address ({', '.join(private)})",
            transient=False,
        )
    return True


def peer_check(target: str, peer: str | None) -> None:
    """After connecting to a target that must be public: the address really connected to
    (None: through a proxy, which chose it)."""
    if peer is not None and not public(peer):
        host = urlsplit(target).hostname
        raise FetchError(
            f"redirect to {host} refused: it connected to a non-public address ({peer})",
            transient=False,
        )


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)]


def public(address: str) -> bool:
    """A globally routable unicast address (an IPv4-mapped IPv6 one judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _endpoint(parts: SplitResult) -> tuple[str, int]:
    return ((parts.hostname or "").lower(), _port(parts))


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        raise FetchError(f"redirect to {parts.hostname}: bad port", transient=False) from None
    return port or (443 if parts.scheme == "https" else 80)
