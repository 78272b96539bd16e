"""The one HTTP client for requests the server makes to URLs it was given (push endpoints, and
any later webhook): it never reaches an address of its own network.

The caller says which URLs it sends to (`allow`, checked again on every request); this module
makes sure the request then goes only there, and only to a public address:

* the host is resolved once per connection, every address it resolves to is checked, and the
  socket connects to exactly that checked address (so DNS that changes between the check and
  the connection cannot slip a private address in); TLS still verifies the host name (SNI);
* loopback, private, link-local, shared (100.64/10), multicast, reserved and unspecified
  addresses are refused, also inside IPv4-mapped, IPv4-compatible, 6to4, Teredo and NAT64
  IPv6 forms; only hosts named in `loopback_hosts` may reach the loopback address (tests);
* redirects are never followed (a 3xx comes back as the answer), proxies from the
  environment are ignored, and every request has a connect and a read timeout.

A refusal raises `Refused` before any byte leaves.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

TIMEOUT = (3.0, 5.0)  # seconds to connect, seconds to wait for each part of the answer

NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: the IPv4 address is the last 32 bits
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # a site's own translator: its own network
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not the internet either


class Refused(Exception):
    """The server will not send this request: `reason` says why, for the log (never a user)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (mapped, compatible, 6to4, Teredo, NAT64)."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    packed = int(address)
    if address in NAT64 or (packed >> 32 == 0 and packed > 1):  # NAT64, or IPv4-compatible ::a.b.c.d
        return [ipaddress.IPv4Address(packed & 0xFFFFFFFF)]
    return []


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet (and nothing that stands for our own network)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded:  # judged by the IPv4 address it leads to
            return all(is_public(inner) for inner in embedded)
        if address.is_site_local or address in LOCAL_NAT64:
            return False
    return (
        address.is_global
        and address not in SHARED
        and not (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        )
    )


def may_reach(address: IPAddress, *, loopback: bool) -> bool:
    return is_public(address) or (loopback and address.is_loopback)


def checked_addresses(host: str, port: int, *, loopback: bool) -> list[tuple]:
    """Resolve `host` once; its (family, type, proto, sockaddr) candidates, all of them allowed."""
    try:
        found = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except UnicodeError:
        raise Refused("bad host name") from None
    candidates = []
    for family, kind, proto, _name, sockaddr in found:
        if family not in (socket.AF_INET, socket.AF_INET6):
            raise Refused("not an internet address")
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not may_reach(address, loopback=loopback):
            raise Refused(f"{host} resolves to a non-public address")
        # The port is ours, not the resolver's; the address is exactly the one just checked.
        pinned = (str(address), port) if family == socket.AF_INET else (str(address), port, 0, 0)
        candidates.append((family, kind, proto, pinned))
    if not candidates:
        raise Refused(f"{host} has no address")
    return candidates


class _Guarded:
    """Connects to a checked address of the host (mixed into urllib3's connections)."""

    loopback_hosts: frozenset[str] = frozenset()

    def _new_conn(self) -> socket.socket:
        host = self._dns_host.strip("[]").lower()
        try:
            candidates = checked_addresses(host, self.port, loopback=host in self.loopback_hosts)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        last: OSError | None = None
        for family, kind, proto, address in candidates:
            sock = socket.socket(family, kind, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if isinstance(self.timeout, int | float):
                    sock.settimeout(self.timeout)
                sock.connect(address)
                return sock
            except TimeoutError as error:
                sock.close()
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from error
            except OSError as error:
                sock.close()
                last = error
        raise NewConnectionError(self, f"Failed to establish a new connection: {last}")


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, loopback_hosts: frozenset[str], pool_size: int):
        http = type("GuardedHTTPConnection", (_Guarded, HTTPConnection), {"loopback_hosts": loopback_hosts})
        https = type("GuardedHTTPSConnection", (_Guarded, HTTPSConnection), {"loopback_hosts": loopback_hosts})
        self._pools = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }
        super().__init__(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(self._pools)

    def proxy_manager_for(self, proxy, **kwargs):
        raise Refused("no proxies")  # a proxy would resolve the host itself, unchecked


class GuardedSession(requests.Session):
    """A requests.Session that sends only to allowed URLs, on public addresses, without redirects."""

    def __init__(
        self,
        allow: Callable[[str], bool],
        *,
        loopback_hosts: frozenset[str] = frozenset(),
        pool_size: int = 10,
        timeout: tuple[float, float] = TIMEOUT,
    ):
        super().__init__()
        self.allow = allow
        self.timeout = timeout
        self.trust_env = False  # no proxy or .netrc from the environment
        self.max_redirects = 0
        adapter = _GuardedAdapter(frozenset(h.lower() for h in loopback_hosts), pool_size)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:
        if not self.allow(request.url or ""):
            raise Refused("not an allowed destination")
        kwargs.update(allow_redirects=False, timeout=self.timeout, proxies={})
        return super().send(request, **kwargs)

    def get_redirect_target(self, response):
        return None  # never follow: the 3xx itself is the answer
