"""Sending one push (pywebpush) and telling what its answer means.

Every call gets a fresh VAPID claims dict (pywebpush writes `aud` and `exp` into the one it is
given), an explicit TTL (the default of 0 drops a reminder to a phone that is offline), an
urgency and a topic. Nothing raises: every failure comes back as an `Outcome`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import requests
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from requests.adapters import HTTPAdapter

from hub.notifications.models import Notification
from hub.notifications.prefs import urgency

log = logging.getLogger("hub.push")

MAX_PAYLOAD = 3 * 1024  # bytes of JSON; the protocol allows 3,993 of plaintext
MAX_TTL = 24 * 3600
TIMEOUT = 10  # seconds to wait for a push service
ICON = "/static/icons/icon-192.png"
BADGE = "/static/icons/badge-72.png"


@dataclass(frozen=True)
class Message:
    """What goes to one device."""

    subscription: dict
    data: str
    ttl: int
    urgency: str
    topic: str


@dataclass(frozen=True)
class Outcome:
    code: int | None  # the push service's status; None if it could not be reached
    retry_after: float | None = None  # seconds, when the service asked us to wait
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.code is not None and 200 <= self.code < 300

    @property
    def gone(self) -> bool:
        """The subscription no longer exists (the person unsubscribed, or the app was removed)."""
        return self.code in (404, 410)

    @property
    def retryable(self) -> bool:
        return self.code is None or self.code == 429 or self.code >= 500


def payload(notification: Notification) -> str:
    """The JSON the service worker shows, at most MAX_PAYLOAD bytes (the body is shortened)."""
    data = {
        "id": notification.id,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "tag": topic(notification),
        "icon": ICON,
        "badge": BADGE,
    }
    text = json.dumps(data, ensure_ascii=False)
    while len(text.encode()) > MAX_PAYLOAD and data["body"]:
        data["body"] = data["body"][: max(0, len(data["body"]) - 64)].rstrip() + "…" if len(data["body"]) > 64 else ""
        text = json.dumps(data, ensure_ascii=False)
    return text


def topic(notification: Notification) -> str:
    """Same kind about the same page: a newer push replaces an older one still waiting.

    RFC 8030 allows at most 32 characters from the URL-safe base64 alphabet.
    """
    digest = hashlib.sha256(f"{notification.kind}|{notification.url}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def ttl(notification: Notification, now: datetime) -> int:
    """How long a push service should keep trying: until the notice stops being useful, at most a day."""
    if notification.useful_until is None:
        return MAX_TTL
    return max(0, min(MAX_TTL, int((notification.useful_until - now).total_seconds())))


def message(notification: Notification, subscription_info: dict, now: datetime) -> Message:
    return Message(
        subscription_info,
        payload(notification),
        ttl(notification, now),
        urgency(notification.kind),
        topic(notification),
    )


def http_session(pool_size: int) -> requests.Session:
    """One HTTP session shared by all sending threads, with a connection pool as big as they are."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def send(vapid: Vapid02, subject: str, msg: Message, http: requests.Session) -> Outcome:
    try:
        response = webpush(
            subscription_info=msg.subscription,
            data=msg.data,
            vapid_private_key=vapid,
            vapid_claims={"sub": subject},  # fresh per call: pywebpush fills it in
            ttl=msg.ttl,
            headers={"Urgency": msg.urgency, "Topic": msg.topic},
            requests_session=http,
            timeout=TIMEOUT,
        )
    except WebPushException as exc:
        response = exc.response
        if response is None:
            return Outcome(None, error=str(exc)[:200])
        return Outcome(response.status_code, retry_after(response.headers.get("Retry-After")), _reason(response))
    except requests.RequestException as exc:
        return Outcome(None, error=f"{type(exc).__name__}: {exc}"[:200])
    except Exception as exc:  # a bad key in a subscription, say: never crash the sender
        log.exception("push could not be prepared")
        return Outcome(400, error=f"{type(exc).__name__}: {exc}"[:200])
    return Outcome(response.status_code)


def _reason(response: requests.Response) -> str:
    return f"{response.status_code} {response.reason or ''} {response.text[:120]}".strip()


def retry_after(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from hub.db import utcnow

    return max(0.0, (when - utcnow()).total_seconds())
