"""Slowing down password and second-factor guessing without locking the real person out.

Failed logins are counted in the limiter's shared storage (Redis in production), so every
worker and host sees the same counts (while Redis is down, each worker counts on its own:
hub.security.SharedCounts; logging in goes on). Three counts, each answering one kind of attack:

- **this account from this address**: someone guessing one person's password from one place.
  Tight: a burst costs a minute, a long run an hour. The real person, on another network
  (their phone's 4G, the hub's wifi), is not held up by it.
- **this address, any account**: one place trying many accounts (password spraying). Roomy,
  because a hub's shared wifi is one address for everyone in the room.
- **this account from browsers it was never logged in on**: many addresses guessing one
  account (a botnet). A browser where the person has logged in before carries a signed
  *device cookie* naming the account, and is not held by this count, so the person keeps
  getting in from their own phone while the account is under attack. (OWASP's "device
  cookies" against online guessing.)

Wrong second-factor codes (authenticator and recovery codes) are counted the same way, on
counts of their own: someone who knows a staff password is held where they guess from, and
the staff member's own browser, where they passed the second step before, is not held by the
account-wide count. A browser is known for the second factor only once it has passed it there:
the password alone, which the attacker has, makes it known for the password count only.

An address is the client's IP, as the proxy in front reports it (HUB_PROXY_HOPS), and for
IPv6 its /64, since one connection is usually given a whole /64 to pick addresses from.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from flask import Response, after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse_many

from hub.security import SharedCounts, client_address, shared_counts


@dataclass(frozen=True)
class Throttle:
    """One secret that can be guessed, and how many wrong guesses each count allows."""

    name: str  # in the storage keys and the device cookie
    account_from_address: list[RateLimitItem]
    address: list[RateLimitItem]
    account_from_new_devices: list[RateLimitItem]


PASSWORD = Throttle(
    "login",
    account_from_address=parse_many("5/minute;10/15 minutes;20/hour"),
    address=parse_many("30/minute;200/hour"),
    account_from_new_devices=parse_many("50/hour;150/day"),
)
# A six-digit code is far easier to guess than a password, and only someone who has the
# password can try: the account-wide count is tight. At most 100 wrong codes in any 30 days
# from browsers that never passed the second step, about 1,220 a year; each guess matches
# one of the three codes accepted at a time (±1 step of drift) with a chance of 3 in 10^6,
# so the chance of a hit within a year stays under 0.4 %.
SECOND_FACTOR = Throttle(
    "2fa",
    account_from_address=parse_many("5/minute;10/15 minutes;20/hour"),
    address=parse_many("30/minute;200/hour"),
    account_from_new_devices=parse_many("5/hour;10/day;100/month"),
)

DEVICE_COOKIE = "ungehub_device"
DEVICE_LIFETIME = 400 * 24 * 3600  # browsers cap cookies at 400 days
DEVICE_ACCOUNTS = 10  # a shared phone remembers the last few people (two entries for staff)


def account_key(email: str, throttle: Throttle = PASSWORD) -> str:
    """A keyed hash of the e-mail: the shared storage and the cookie never hold the address."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{throttle.name}-account:".encode() + email.encode(), hashlib.sha256).hexdigest()[:32]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _known_accounts() -> list[str]:
    if "device_accounts" in g:  # remembered earlier in this request
        return g.device_accounts
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        accounts = _serializer().loads(value)
    except BadSignature:
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def _counts(email: str, throttle: Throttle) -> list[tuple[str, list[RateLimitItem]]]:
    account = account_key(email, throttle)
    address = client_address()
    counts = [
        (f"{throttle.name}-fail/account-address/{account}/{address}", throttle.account_from_address),
        (f"{throttle.name}-fail/address/{address}", throttle.address),
    ]
    if not is_known_device(email, throttle):
        counts.append((f"{throttle.name}-fail/account-new-devices/{account}", throttle.account_from_new_devices))
    return counts


def _window() -> SharedCounts:
    return shared_counts()


def is_known_device(email: str, throttle: Throttle = PASSWORD) -> bool:
    """Whether this browser has proved `throttle`'s secret for this e-mail before."""
    return account_key(email, throttle) in _known_accounts()


def wait_seconds(email: str, throttle: Throttle = PASSWORD) -> int:
    """Seconds before this browser, from this address, may try this e-mail again (0: now)."""
    window, now, wait = _window(), time.time(), 0.0
    for key, limits in _counts(email, throttle):
        for limit in limits:
            if not window.test(limit, key):
                wait = max(wait, window.get_window_stats(limit, key).reset_time - now)
    return math.ceil(wait)


def record_failure(email: str, throttle: Throttle = PASSWORD) -> None:
    window = _window()
    for key, limits in _counts(email, throttle):
        for limit in limits:
            window.hit(limit, key)


def remember_device(email: str, *throttles: Throttle) -> None:
    """After a login proved who this is: mark this browser as one the person uses.

    For the password by default; for the second factor only once it was proved here.
    """
    keys = [account_key(email, throttle) for throttle in throttles or (PASSWORD,)]
    first_this_request = "device_accounts" not in g
    g.device_accounts = [*keys, *(a for a in _known_accounts() if a not in keys)][:DEVICE_ACCOUNTS]
    if not first_this_request:
        return  # the cookie is already being set, from g.device_accounts

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE,
            _serializer().dumps(g.device_accounts),
            max_age=DEVICE_LIFETIME,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response


def forget_device(response: Response) -> Response:
    """ "Forget this phone": it no longer counts as one the person uses."""
    response.delete_cookie(DEVICE_COOKIE, secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response
