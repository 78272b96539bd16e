"""Where a push may go: the browsers' own push services over https, and nowhere else.

A subscription's endpoint is a URL the browser hands us and the server later POSTs to, so it
is checked when a phone subscribes and again before every send. Hosts match exactly, or on a
dot boundary for a `*.` entry; no user name or password, no port but the default (or the one
listed), no IP address. `PUSH_ALLOWED_HOSTS` adds hosts ("host" or "host:port", "*." allowed).

Tests and benchmarks push to a local push service: only with `PUSH_ALLOW_LOOPBACK`, a host
listed in `PUSH_ALLOWED_HOSTS` may also be reached over http, on any port unless one is
listed, and may resolve to the loopback address (hub.core.outbound still refuses every other
non-public address, listed or not).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

# The push services of the browsers that can take Web Push today.
PUSH_SERVICES = (
    "fcm.googleapis.com",  # Chrome, Edge on Android, Samsung Internet, Opera (Google FCM)
    "android.googleapis.com",  # older Chrome subscriptions (GCM)
    "updates.push.services.mozilla.com",  # Firefox (Mozilla autopush)
    "push.services.mozilla.com",
    "web.push.apple.com",  # Safari on macOS, and iPhone home-screen apps
    "*.push.apple.com",
    "*.notify.windows.com",  # Edge and Windows apps (Microsoft WNS)
)

MAX_LENGTH = 1000
# What a push endpoint is made of: RFC 3986 characters, nothing that parsers read differently
# (no spaces, backslashes, control characters or fragments).
URL = re.compile(r"[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]+")
HOST = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True)
class Entry:
    host: str  # "fcm.googleapis.com", or "*.notify.windows.com" for its subdomains
    port: int | None  # None: the default port
    extra: bool  # from PUSH_ALLOWED_HOSTS

    def matches(self, host: str) -> bool:
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host


def _entry(text: str, *, extra: bool) -> Entry | None:
    host, _, port = text.strip().lower().partition(":")
    if not HOST.fullmatch(host) or (port and not port.isdigit()):
        return None  # a typo in the settings allows nothing
    return Entry(host, int(port) if port else None, extra)


@dataclass(frozen=True)
class Rules:
    """The allow-list in force: the push services, plus the hosts the settings add."""

    extra: tuple[str, ...] = ()
    loopback: bool = False

    @classmethod
    def of(cls, config: Mapping) -> Rules:
        return cls(tuple(config.get("PUSH_ALLOWED_HOSTS") or ()), bool(config.get("PUSH_ALLOW_LOOPBACK")))

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        built_in = (_entry(h, extra=False) for h in PUSH_SERVICES)
        listed = (_entry(h, extra=True) for h in self.extra)
        return tuple(e for e in (*built_in, *listed) if e is not None)

    @cached_property
    def loopback_hosts(self) -> frozenset[str]:
        """The hosts that may resolve to the loopback address (none unless the test rule is on)."""
        if not self.loopback:
            return frozenset()
        return frozenset(e.host for e in self.entries if e.extra and not e.host.startswith("*."))

    def allows(self, url: str) -> bool:
        """Whether the server may send a push to this URL."""
        if not isinstance(url, str) or len(url) > MAX_LENGTH or not URL.fullmatch(url):
            return False
        parts = urlsplit(url)
        host, _, port_text = parts.netloc.lower().partition(":")
        if parts.scheme not in DEFAULT_PORTS or parts.fragment or not HOST.fullmatch(host) or "*" in host:
            return False  # no user info (@), no [IPv6] literal, no empty host
        if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
            return False
        port = int(port_text) if port_text else DEFAULT_PORTS[parts.scheme]
        return any(self._allows(entry, parts.scheme, host, port) for entry in self.entries if entry.matches(host))

    def _allows(self, entry: Entry, scheme: str, host: str, port: int) -> bool:
        test_rule = entry.extra and host in self.loopback_hosts
        if _is_ip(host) and not test_rule:
            return False
        if scheme != "https" and not test_rule:
            return False
        if entry.port is not None:
            return port == entry.port
        return test_rule or port == DEFAULT_PORTS[scheme]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
