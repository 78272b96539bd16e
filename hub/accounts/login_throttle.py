"""Slowing down password guessing without locking the real person out.

Failed logins are counted in the limiter's shared storage (Redis in production), so every
worker and host sees the same counts. Three counts, each answering one kind of attack:

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

An address is the client's IP, as the proxy in front reports it (HUB_PROXY_HOPS), and for
IPv6 its /64, since one connection is usually given a whole /64 to pick addresses from.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import Response, after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse_many
from limits.strategies import MovingWindowRateLimiter

from hub.security import client_address, limiter

ACCOUNT_FROM_ADDRESS = parse_many("5/minute;10/15 minutes;20/hour")
ADDRESS = parse_many("30/minute;200/hour")
ACCOUNT_FROM_NEW_DEVICES = parse_many("50/hour;150/day")

DEVICE_COOKIE = "ungehub_device"
DEVICE_LIFETIME = 400 * 24 * 3600  # browsers cap cookies at 400 days
DEVICE_ACCOUNTS = 5  # a shared phone remembers the last few people who logged in on it


def account_key(email: str) -> str:
    """A keyed hash of the e-mail: the shared storage and the cookie never hold the address."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"login-account:" + email.encode(), hashlib.sha256).hexdigest()[:32]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _known_accounts() -> list[str]:
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        accounts = _serializer().loads(value)
    except BadSignature:
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def _counts(email: str) -> list[tuple[str, list]]:
    account = account_key(email)
    address = client_address()
    counts = [
        (f"login-fail/account-address/{account}/{address}", ACCOUNT_FROM_ADDRESS),
        (f"login-fail/address/{address}", ADDRESS),
    ]
    if account not in _known_accounts():
        counts.append((f"login-fail/account-new-devices/{account}", ACCOUNT_FROM_NEW_DEVICES))
    return counts


def _window() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter.storage)


def wait_seconds(email: str) -> int:
    """Seconds before this browser, from this address, may try this e-mail again (0: now)."""
    window, now, wait = _window(), time.time(), 0.0
    for key, limits in _counts(email):
        for limit in limits:
            if not window.test(limit, key):
                wait = max(wait, window.get_window_stats(limit, key).reset_time - now)
    return math.ceil(wait)


def record_failure(email: str) -> None:
    window = _window()
    for key, limits in _counts(email):
        for limit in limits:
            window.hit(limit, key)


def remember_device(email: str) -> None:
    """After a login proved who this is: mark this browser as one the person uses."""
    account = account_key(email)
    accounts = [account, *(a for a in _known_accounts() if a != account)][:DEVICE_ACCOUNTS]
    value = _serializer().dumps(accounts)

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
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
