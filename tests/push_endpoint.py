"""A local Web Push service for tests and benchmarks (no internet needed).

`PushEndpoint` runs a small threaded HTTP server on 127.0.0.1 that behaves like a
browser vendor's push service (RFC 8030) as far as an application server can tell:

* `make_subscriber_keys()` plays the browser: a fresh P-256 key pair and a 16-byte auth
  secret, published as the `p256dh` and `auth` values of a PushSubscription.
* `PushEndpoint.subscription(name)` registers such a subscriber and returns the dict a
  browser's `PushSubscription.toJSON()` gives, with an endpoint URL on this server.
* Every POST to `/push/<token>` is checked the way a strict push service checks it:
  the VAPID `Authorization` header (RFC 8292: an ES256 JWT whose `aud` is this origin, whose
  `exp` is in the future but at most 24 h ahead, whose `sub` is a mailto: or https: URL),
  the `TTL`, `Urgency` and `Topic` headers (RFC 8030) and the `aes128gcm` body (RFC 8188),
  which is decrypted with the subscriber's private key (RFC 8291).
* Accepted pushes are recorded as `Received` and answered 201; failures are recorded in
  `.rejected` and answered 400 (bad request), 401 (bad VAPID token), 403 (VAPID key is not
  the expected one), 404 (unknown token) or 413 (body too large).
* Answers are scriptable per subscription: `.respond(sub, 429, 201, retry_after="1")`
  queues statuses for the next valid requests, `.gone(sub)` makes every request get 410.
* `delay=` makes every answer take that long, like a real round trip; the server takes
  many concurrent connections, so a benchmark can fire hundreds of sends at once.
* `host=` names the service by another name than 127.0.0.1 in its endpoints (and in the
  `aud` it expects), for tests that make that name resolve to it.

Both RFC 8292 (`Authorization: vapid t=<JWT>, k=<key>`) and the older draft scheme that
py_vapid's `Vapid01` produces (`Authorization: WebPush <JWT>` with
`Crypto-Key: p256ecdsa=<key>`) are accepted, as real push services still accept both.

Usage::

    with PushEndpoint() as service:
        sub = service.subscription("phone")
        webpush(subscription_info=sub, data=json.dumps({"title": "Hi"}), ...)
        [push] = service.wait_for(1)
        assert push.payload == {"title": "Hi"}

This module is imported by pytest tests and by benchmark scripts; it must not import pytest.
"""

from __future__ import annotations

import base64
import binascii
import http.server
import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

__all__ = [
    "PushEndpoint",
    "PushHeaders",
    "PushRejected",
    "Received",
    "SubscriberKeys",
    "b64url_decode",
    "b64url_encode",
    "make_subscriber_keys",
    "parse_push_headers",
    "verify_vapid",
]

MAX_BODY_BYTES = 4096  # RFC 8030 section 7.2: push services must accept at least 4096 bytes.
MAX_EXP_AHEAD_SECONDS = 24 * 60 * 60  # RFC 8292 section 2: exp no more than 24 hours ahead.
URGENCIES = frozenset({"very-low", "low", "normal", "high"})
TOPIC_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # RFC 8030 section 5.4.
PUSH_PATH = re.compile(r"^/push/([A-Za-z0-9_-]+)/?$")

SubscriptionRef = str | Mapping[str, Any]  # a token, an endpoint URL or a subscription dict


# --- base64url -------------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as Web Push uses everywhere."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises ValueError on garbage."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"invalid base64url: {text[:20]!r}") from error


def _raw_public_key(public_key: ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


# --- the browser's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriberKeys:
    """A browser's push keys: the P-256 key pair and auth secret of one PushSubscription."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        """The uncompressed public point (65 bytes), base64url without padding."""
        return b64url_encode(_raw_public_key(self.private_key.public_key()))

    @property
    def auth(self) -> str:
        """The 16-byte auth secret, base64url without padding."""
        return b64url_encode(self.auth_secret)

    def as_dict(self) -> dict[str, str]:
        """The `keys` member of `PushSubscription.toJSON()`."""
        return {"p256dh": self.p256dh, "auth": self.auth}

    def decrypt(self, body: bytes) -> bytes:
        """Decrypt an RFC 8291 (aes128gcm) message body sent to this subscriber."""
        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")


def make_subscriber_keys() -> SubscriberKeys:
    """Fresh keys as a browser makes them for a new push subscription."""
    return SubscriberKeys(private_key=ec.generate_private_key(ec.SECP256R1()), auth_secret=secrets.token_bytes(16))


# --- what was received ------------------------------------------------------------------------


@dataclass(frozen=True)
class PushHeaders:
    """The RFC 8030 headers of a push message."""

    ttl: int
    urgency: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class Received:
    """One accepted push message, decrypted."""

    token: str
    name: str  # the name given to `PushEndpoint.subscription()`
    headers: PushHeaders
    claims: dict[str, Any]  # the verified VAPID JWT claims
    payload: Any  # the JSON-decoded plaintext, else the raw plaintext bytes (None without a body)
    length: int  # plaintext length in bytes
    received_at: float  # time.time() on arrival
    vapid_key: str = ""  # the application server's public key (base64url) that signed the JWT


class PushRejected(Exception):
    """A request the push service refuses; `status` is what it answers."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class _Subscriber:
    name: str
    token: str
    keys: SubscriberKeys
    script: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    is_gone: bool = False


# --- VAPID (RFC 8292) -------------------------------------------------------------------------


def _parse_authorization(headers: Mapping[str, str]) -> tuple[str, str]:
    """Return (JWT, base64url public key) from the VAPID headers, either scheme."""
    authorization = headers.get("Authorization") or ""
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() == "vapid":
        params = dict(part.strip().partition("=")[::2] for part in rest.split(",") if part.strip())
        token, key = params.get("t", "").strip(), params.get("k", "").strip()
    elif scheme.lower() == "webpush":  # draft-ietf-webpush-vapid-01, as py_vapid.Vapid01 signs
        token, key = rest.strip(), _crypto_key_param(headers.get("Crypto-Key") or "", "p256ecdsa")
    else:
        raise PushRejected(401, f"Authorization is not a VAPID header: {authorization[:40]!r}")
    if not token or not key:
        raise PushRejected(401, "VAPID header lacks the token t or the key k")
    return token, key


def _crypto_key_param(crypto_key: str, name: str) -> str:
    for part in re.split(r"[;,]", crypto_key):
        key, _, value = part.strip().partition("=")
        if key.strip() == name:
            return value.strip()
    return ""


def _load_public_key(key: str) -> ec.EllipticCurvePublicKey:
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    except ValueError as error:
        raise PushRejected(401, f"VAPID key k is not a P-256 point: {error}") from error


def _decode_json_segment(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except ValueError as error:
        raise PushRejected(401, f"JWT {what} is not base64url JSON") from error
    if not isinstance(value, dict):
        raise PushRejected(401, f"JWT {what} is not a JSON object")
    return value


def _verify_jwt(token: str, public_key: ec.EllipticCurvePublicKey) -> dict[str, Any]:
    """Check the ES256 signature and return the claims."""
    parts = token.split(".")
    if len(parts) != 3:
        raise PushRejected(401, "JWT does not have three parts")
    header = _decode_json_segment(parts[0], "header")
    if header.get("alg") != "ES256":
        raise PushRejected(401, f"JWT alg is {header.get('alg')!r}, not ES256")
    claims = _decode_json_segment(parts[1], "claims")
    try:
        signature = b64url_decode(parts[2])
    except ValueError as error:
        raise PushRejected(401, "JWT signature is not base64url") from error
    if len(signature) != 64:
        raise PushRejected(401, f"JWT signature is {len(signature)} bytes, not 64 (raw r||s)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise PushRejected(401, "JWT signature does not verify with key k") from error
    return claims


def _check_claims(claims: Mapping[str, Any], origin: str, now: float) -> None:
    if claims.get("aud") != origin:
        raise PushRejected(401, f"JWT aud is {claims.get('aud')!r}, not {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise PushRejected(401, f"JWT exp is not an integer: {exp!r}")
    if exp <= now:
        raise PushRejected(401, f"JWT expired at {exp} (now {int(now)})")
    if exp > now + MAX_EXP_AHEAD_SECONDS:
        raise PushRejected(401, f"JWT exp {exp} is more than 24 h ahead")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise PushRejected(401, f"JWT sub is not a mailto: or https: URL: {sub!r}")


def verify_vapid(
    headers: Mapping[str, str], origin: str, expected_key: bytes | None = None, now: float | None = None
) -> tuple[dict[str, Any], str]:
    """Verify the VAPID headers of a push request; return (claims, base64url key)."""
    token, key = _parse_authorization(headers)
    public_key = _load_public_key(key)
    claims = _verify_jwt(token, public_key)
    _check_claims(claims, origin, time.time() if now is None else now)
    if expected_key is not None and _raw_public_key(public_key) != expected_key:
        raise PushRejected(403, "VAPID key k is not the application server key of this subscription")
    return claims, key


def _normalize_key(key: str | bytes | ec.EllipticCurvePublicKey | None) -> bytes | None:
    if key is None:
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _raw_public_key(key)
    raw = b64url_decode(key) if isinstance(key, str) else key
    return _raw_public_key(ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw))


# --- RFC 8030 headers and the body ------------------------------------------------------------


def parse_push_headers(headers: Mapping[str, str]) -> PushHeaders:
    """Read TTL, Urgency and Topic; raise PushRejected(400) when they are malformed."""
    ttl_text = (headers.get("TTL") or "").strip()
    if not ttl_text.isdigit():
        raise PushRejected(400, f"TTL header missing or not an integer >= 0: {ttl_text!r}")
    urgency = headers.get("Urgency")
    if urgency is not None and urgency not in URGENCIES:
        raise PushRejected(400, f"Urgency is not one of {sorted(URGENCIES)}: {urgency!r}")
    topic = headers.get("Topic")
    if topic is not None and not TOPIC_PATTERN.match(topic):
        raise PushRejected(400, f"Topic must be 1-32 base64url characters: {topic!r}")
    return PushHeaders(ttl=int(ttl_text), urgency=urgency, topic=topic)


def _decrypt_body(body: bytes, headers: Mapping[str, str], keys: SubscriberKeys) -> tuple[Any, int]:
    """Return (payload, plaintext length); payload is JSON if it parses, else bytes."""
    if not body:
        return None, 0
    if len(body) > MAX_BODY_BYTES:
        raise PushRejected(413, f"body is {len(body)} bytes, more than {MAX_BODY_BYTES}")
    encoding = (headers.get("Content-Encoding") or "").strip().lower()
    if encoding != "aes128gcm":
        raise PushRejected(400, f"Content-Encoding is {encoding!r}, not aes128gcm")
    try:
        plaintext = keys.decrypt(body)
    except Exception as error:  # http_ece raises several kinds of errors
        raise PushRejected(400, f"body does not decrypt: {type(error).__name__}: {error}") from error
    try:
        return json.loads(plaintext), len(plaintext)
    except ValueError:
        return plaintext, len(plaintext)


# --- the service ------------------------------------------------------------------------------


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    endpoint: PushEndpoint


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so a requests.Session reuses connections
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, extra_headers, text = self.server.endpoint._handle(self.path, self.headers, body)
        self._answer(status, extra_headers, text)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(405, {"Allow": "POST"}, "push endpoints take POST only")

    def _answer(self, status: int, extra_headers: Mapping[str, str], text: str) -> None:
        payload = text.encode("utf-8")
        self.send_response(status)
        for name, value in extra_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (signature of the base class)
        pass


class PushEndpoint:
    """A local push service; use as a context manager or call start() and stop()."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        expected_public_key: str | bytes | ec.EllipticCurvePublicKey | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.delay = delay
        self.host = host
        self.expected_public_key = _normalize_key(expected_public_key)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._subscribers: dict[str, _Subscriber] = {}
        self._received: list[Received] = []
        self._rejected: list[tuple[str, str]] = []
        self._responses: list[tuple[str, int]] = []
        self._message_ids = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> PushEndpoint:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.endpoint = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="push-endpoint", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> PushEndpoint:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("PushEndpoint is not started")
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        """The `aud` a VAPID JWT must name: http://127.0.0.1:PORT (or the `host=` given)."""
        return f"http://{self.host}:{self.port}"

    # subscribers

    def subscription(self, name: str = "phone") -> dict[str, Any]:
        """Register a new subscriber; return it as `PushSubscription.toJSON()` does."""
        subscriber = _Subscriber(name=name, token=secrets.token_urlsafe(24), keys=make_subscriber_keys())
        with self._lock:
            self._subscribers[subscriber.token] = subscriber
        return {
            "endpoint": f"{self.origin}/push/{subscriber.token}",
            "expirationTime": None,
            "keys": subscriber.keys.as_dict(),
        }

    def keys_for(self, sub: SubscriptionRef) -> SubscriberKeys:
        """The browser-side keys of a subscription (to decrypt by hand)."""
        return self._subscriber(sub).keys

    def respond(
        self,
        sub: SubscriptionRef,
        *statuses: int,
        retry_after: str | int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next valid requests to `sub` with these statuses (and headers), then 201 again."""
        subscriber = self._subscriber(sub)
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = str(retry_after)
        with self._lock:
            subscriber.script.extend((status, extra) for status in statuses)

    def gone(self, sub: SubscriptionRef) -> None:
        """The browser unsubscribed: every request to `sub` now gets 410 Gone."""
        subscriber = self._subscriber(sub)
        with self._lock:
            subscriber.is_gone = True

    # what happened

    @property
    def received(self) -> list[Received]:
        """Accepted pushes, in order of arrival (a copy)."""
        with self._lock:
            return list(self._received)

    @property
    def rejected(self) -> list[tuple[str, str]]:
        """(token, reason) of every request refused for being invalid (a copy)."""
        with self._lock:
            return list(self._rejected)

    @property
    def responses(self) -> list[tuple[str, int]]:
        """(token, status) of every request answered, scripted and refused ones included (a copy)."""
        with self._lock:
            return list(self._responses)

    def received_for(self, sub: SubscriptionRef) -> list[Received]:
        token = _token_of(sub)
        with self._lock:
            return [push for push in self._received if push.token == token]

    def wait_for(self, n: int, timeout: float = 10) -> list[Received]:
        """Wait until at least n pushes were accepted; return them, or raise TimeoutError."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self._received) >= n, timeout=timeout):
                raise TimeoutError(
                    f"{len(self._received)} of {n} pushes arrived in {timeout} s; rejected: {self._rejected[-5:]}"
                )
            return list(self._received)

    def clear(self) -> None:
        """Forget received, rejected and answered requests (subscribers and scripts stay)."""
        with self._lock:
            self._received.clear()
            self._rejected.clear()
            self._responses.clear()

    # request handling (called on the server's threads)

    def _handle(self, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, str], str]:
        received_at = time.time()
        match = PUSH_PATH.match(urlparse(path).path)
        token = match.group(1) if match else ""
        status, extra_headers, text = self._decide(token, headers, body, received_at)
        if self.delay > 0:
            time.sleep(self.delay)
        with self._lock:
            self._responses.append((token, status))
        return status, extra_headers, text

    def _decide(
        self, token: str, headers: Mapping[str, str], body: bytes, received_at: float
    ) -> tuple[int, dict[str, str], str]:
        with self._lock:
            subscriber = self._subscribers.get(token)
        if subscriber is None:
            return 404, {}, "no such subscription"
        if subscriber.is_gone:
            return 410, {}, "subscription expired or unsubscribed"
        try:
            push = self._verify(subscriber, headers, body, received_at)
        except PushRejected as rejection:
            with self._lock:
                self._rejected.append((token, rejection.reason))
            return rejection.status, {}, rejection.reason
        return self._accept_or_script(subscriber, push)

    def _verify(self, subscriber: _Subscriber, headers: Mapping[str, str], body: bytes, received_at: float) -> Received:
        claims, vapid_key = verify_vapid(headers, self.origin, self.expected_public_key, now=received_at)
        push_headers = parse_push_headers(headers)
        payload, length = _decrypt_body(body, headers, subscriber.keys)
        return Received(
            token=subscriber.token,
            name=subscriber.name,
            headers=push_headers,
            claims=claims,
            payload=payload,
            length=length,
            received_at=received_at,
            vapid_key=vapid_key,
        )

    def _accept_or_script(self, subscriber: _Subscriber, push: Received) -> tuple[int, dict[str, str], str]:
        with self._arrived:
            status, scripted = subscriber.script.popleft() if subscriber.script else (201, {})
            extra_headers = dict(scripted)
            if status >= 300:
                return status, extra_headers, "scripted answer"
            self._received.append(push)
            self._arrived.notify_all()
            message_id = next(self._message_ids)
        extra_headers["Location"] = f"{self.origin}/message/{message_id}"
        return status, extra_headers, ""

    def _subscriber(self, sub: SubscriptionRef) -> _Subscriber:
        token = _token_of(sub)
        with self._lock:
            subscriber = self._subscribers.get(token)
        if subscriber is None:
            raise KeyError(f"no subscription with token {token!r}")
        return subscriber


def _token_of(sub: SubscriptionRef) -> str:
    """The token of a subscription dict, an endpoint URL or a bare token."""
    if isinstance(sub, Mapping):
        sub = str(sub["endpoint"])
    if "/" in sub:
        return urlparse(sub).path.rstrip("/").rsplit("/", 1)[-1]
    return sub
