"""Sending one push (pywebpush) and telling what its answer means.

Every call gets a fresh VAPID claims dict (pywebpush writes `aud` and `exp` into the one it is
given), an explicit TTL (the default of 0 drops a reminder to a phone that is offline), an
urgency and a topic. Nothing raises: every failure comes back as an `Outcome`.

Pushes leave only through hub.core.outbound's guarded session, to an endpoint the allow-list
in hub/notifications/endpoints.py takes (checked again here: a subscription saved before a
rule changed is never requested).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from hub.core import outbound
from hub.notifications.endpoints import Rules
from hub.notifications.models import Notification
from hub.notifications.prefs import urgency

log = logging.getLogger("hub.push")

MAX_PAYLOAD = 3 * 1024  # bytes of JSON; the protocol allows 3,993 of plaintext
MAX_TTL = 24 * 3600
TIMEOUT = outbound.TIMEOUT  # (connect, read) seconds: a push service answers in well under a second
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


# Why no status came back (Outcome.problem).
TIMED_OUT = "timeout"  # the push service did not answer in time
UNREACHABLE = "unreachable"  # no connection (refused, reset, no such host)
REFUSED = "refused"  # its name led to an address we never connect to
NOT_ALLOWED = "not_allowed"  # the endpoint is not on a push service we send to
LATER = "later"  # not tried: its push service was hanging in this sweep


@dataclass(frozen=True)
class Outcome:
    code: int | None  # the push service's status; None if it was not reached
    retry_after: float | None = None  # seconds, when the service asked us to wait
    error: str | None = None  # for the log: the status line or the kind of failure, no body, no URL
    problem: str | None = None  # when code is None: one of the reasons above

    @property
    def delivered(self) -> bool:
        return self.code is not None and 200 <= self.code < 300

    @property
    def gone(self) -> bool:
        """The subscription no longer exists (the person unsubscribed, or the app was removed),
        or it points somewhere we never send to."""
        return self.code in (404, 410) or self.problem == NOT_ALLOWED

    @property
    def retryable(self) -> bool:
        if self.code is None:
            return self.problem in (None, TIMED_OUT, UNREACHABLE)
        return self.code == 429 or self.code >= 500

    @property
    def later(self) -> bool:
        return self.problem == LATER

    @property
    def timed_out(self) -> bool:
        return self.problem == TIMED_OUT

    @property
    def label(self) -> str:
        """What the device row keeps: a status or a kind of failure, never the remote answer."""
        return self.problem or f"HTTP {self.code}"


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


def host(msg: Message) -> str:
    """The push service a message goes to (host and port), for sharing the senders fairly."""
    return urlsplit(str(msg.subscription.get("endpoint") or "")).netloc.lower()


def http_session(pool_size: int, rules: Rules) -> outbound.GuardedSession:
    """One guarded HTTP session shared by all sending threads, with a connection pool as big as they are."""
    return outbound.GuardedSession(
        rules.allows, loopback_hosts=rules.loopback_hosts, pool_size=pool_size, timeout=TIMEOUT
    )


def send(vapid: Vapid02, subject: str, msg: Message, http: outbound.GuardedSession) -> Outcome:
    if not http.allow(str(msg.subscription.get("endpoint") or "")):
        return Outcome(None, error="endpoint not on an allowed push service", problem=NOT_ALLOWED)
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
            return Outcome(None, error="push could not be sent", problem=UNREACHABLE)
        return Outcome(response.status_code, retry_after(response.headers.get("Retry-After")), _reason(response))
    except outbound.Refused as exc:
        return Outcome(None, error=exc.reason, problem=REFUSED)
    except requests.Timeout as exc:
        return Outcome(None, error=type(exc).__name__, problem=TIMED_OUT)
    except requests.RequestException as exc:  # the message names the URL, and so the token: not kept
        return Outcome(None, error=type(exc).__name__, problem=UNREACHABLE)
    except Exception as exc:  # a bad key in a subscription, say: never crash the sender
        log.exception("push could not be prepared")
        return Outcome(400, error=type(exc).__name__)
    return Outcome(response.status_code)


def _reason(response: requests.Response) -> str:
    return f"{response.status_code} {response.reason or ''}".strip()


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
