"""A person's phones and browsers that may receive pushes: add, name, test, remove.

A person keeps at most MAX_DEVICES: a new phone pushes out the one that has gone longest
without a push getting through (one never reached counts from when it was added), so nobody
is stuck after getting a new phone.
"""

from __future__ import annotations

import base64
import binascii

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, delete, select

from hub.accounts.models import User, UserSession
from hub.errors import Invalid, NotFound
from hub.notifications.endpoints import Rules
from hub.notifications.models import Notification, PushDelivery, PushStatus, PushSubscription
from hub.notifications.services import notify

NAME_MAX = 60
MAX_DEVICES = 10


def _decode(value: str) -> bytes:
    value = value.strip()
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def bad_subscription() -> Invalid:
    return Invalid("bad_subscription", str(_l("This phone could not be set up for notifications. Try again.")))


def not_a_push_service() -> Invalid:
    return Invalid(
        "push_service_refused",
        str(
            _l("Notifications can only go through your browser's own push service, so this phone could not be set up.")
        ),
    )


def check(endpoint: str, p256dh: str, auth: str, *, rules: Rules) -> None:
    """A subscription as a browser makes it: an https push service we send to, a P-256 key, a 16-byte secret."""
    if not endpoint:
        raise bad_subscription()
    if not rules.allows(endpoint):
        raise not_a_push_service()
    try:
        key, secret = _decode(p256dh or ""), _decode(auth or "")
    except (binascii.Error, ValueError):
        raise bad_subscription() from None
    if len(key) != 65 or key[0] != 4 or len(secret) != 16:
        raise bad_subscription()


def guess_name(user_agent: str) -> str:
    """A first name for the device, which the person can change."""
    ua = user_agent or ""
    system = next(
        (
            name
            for hint, name in (
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("Windows", "Windows"),
                ("Mac OS", "Mac"),
                ("Linux", "Linux"),
            )
            if hint in ua
        ),
        "",
    )
    browser = next(
        (
            name
            for hint, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
            if hint in ua
        ),
        "",
    )
    return " · ".join(p for p in (browser, system) if p) or str(_l("My phone"))


def subscribe(
    session: Session,
    user: User,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    name: str,
    login_token: str | None,
    rules: Rules,
) -> tuple[PushSubscription, bool]:
    """Add this device, or take it over: a phone passed to a sibling pushes to whoever is logged in.

    Also says whether the device is new to this person (False: it was theirs already)."""
    check(endpoint, p256dh, auth, rules=rules)
    login_id = _login_id(session, login_token)
    sub = session.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint).with_for_update()).first()
    added = sub is None or sub.user_id != user.id
    if sub is None:
        sub = PushSubscription(user_id=user.id, endpoint=endpoint, p256dh=p256dh, auth=auth)
        session.add(sub)
    elif added:
        sub.user_id, sub.name, sub.last_success_at, sub.last_error = user.id, "", None, None
    sub.p256dh, sub.auth, sub.login_id = p256dh, auth, login_id
    sub.name = sub.name or (name or "").strip()[:NAME_MAX]
    session.flush()
    if added:
        _make_room(session, user, keep=sub)
    return sub, added


def _make_room(session: Session, user: User, *, keep: PushSubscription) -> None:
    """Down to MAX_DEVICES: the devices silent longest go (since their last push got through, or
    since they were added if none ever did)."""
    session.exec(select(User.id).where(User.id == user.id).with_for_update())  # one subscribe at a time
    others = [sub for sub in of(session, user.id) if sub.id != keep.id]
    surplus = len(others) - (MAX_DEVICES - 1)
    if surplus <= 0:
        return
    others.sort(key=lambda sub: (sub.last_success_at or sub.created_at, sub.id))
    for sub in others[:surplus]:
        session.delete(sub)
    session.flush()


def _login_id(session: Session, token: str | None) -> int | None:
    if not token:
        return None
    from hub.accounts.logins import hash_token

    return session.exec(select(UserSession.id).where(UserSession.token_hash == hash_token(token))).first()


def of(session: Session, user_id: int) -> list[PushSubscription]:
    return list(
        session.exec(
            select(PushSubscription).where(PushSubscription.user_id == user_id).order_by(PushSubscription.created_at)
        )
    )


def own(session: Session, user: User, sub_id: int) -> PushSubscription:
    sub = session.get(PushSubscription, sub_id)
    if sub is None or sub.user_id != user.id:
        raise NotFound("not_found", str(_l("We could not find that page")))
    return sub


def rename(session: Session, user: User, sub_id: int, name: str) -> PushSubscription:
    sub = own(session, user, sub_id)
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise Invalid("bad_name", str(_l("Give the device a name of 1 to %(max)d characters.", max=NAME_MAX)))
    sub.name = name
    session.flush()
    return sub


def remove(session: Session, user: User, sub_id: int) -> None:
    session.delete(own(session, user, sub_id))
    session.flush()


def remove_endpoint(session: Session, user: User, endpoint: str) -> int:
    return session.exec(
        delete(PushSubscription).where(PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint)
    ).rowcount


def forget_login(session: Session, login_token: str) -> int:
    """Logging out on a device stops its pushes: the next person on a shared phone sees nothing of ours."""
    login_id = _login_id(session, login_token)
    if login_id is None:
        return 0
    return session.exec(delete(PushSubscription).where(PushSubscription.login_id == login_id)).rowcount


def send_test(session: Session, user: User, sub_id: int) -> Notification:
    """A test push to this one device, now (quiet hours or not: the person asked for it)."""
    sub = own(session, user, sub_id)
    notification = notify(
        session,
        user,
        kind="test",
        title=_l("Hello from Ungehub"),
        body=_l("Notifications work on %(device)s.", device=sub.name or _l("this phone")),
        url="/notifications/settings",
    )
    notification.push_status = PushStatus.SENDING
    session.add(PushDelivery(notification_id=notification.id, subscription_id=sub.id))
    session.flush()
    return notification
