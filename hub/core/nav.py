"""The navigation per role. Each feature adds its own entry when it lands.

On a phone the adults' menu is one row at the bottom of the screen, where the thumb is: the
entries marked `more` go under "More" there, and stand in the row with the others on a wider
screen (templates/base.html, static/css/app.css).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hub.accounts.auth import is_signed_in
from hub.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string
    icon: str  # a name in static/icons/sprite.svg
    prefix: str  # paths that count as "here"
    more: bool = False  # on a phone: under "More", not in the one row


YOUNG_TABS = [
    NavItem("core.home", _l("Home"), "home", "/"),
    NavItem("events.index", _l("Events"), "calendar", "/events"),
    NavItem("messages.index", _l("Messages"), "chat", "/messages"),
    NavItem("plans.mine", _l("Plan"), "plan", "/plan"),
    NavItem("support.index", _l("Support"), "support", "/support"),
    NavItem("accounts.me", _l("Me"), "me", "/me"),
]

STAFF_LINKS = [
    NavItem("core.home", _l("Overview"), "home", "/"),
    NavItem("staff_events.index", _l("Events"), "calendar", "/staff/events"),
    NavItem("staff_messages.inbox", _l("Inbox"), "chat", "/staff/messages"),
    NavItem("proposals.index", _l("Ideas"), "idea", "/ideas", more=True),
    NavItem("staff_credits.index", _l("Klip"), "ticket", "/staff/klip"),
    NavItem("staff_support.index", _l("Support"), "support", "/staff/support", more=True),
    NavItem("staff.people", _l("People"), "people", "/staff/people", more=True),
    NavItem("evaluation.index", _l("Evaluation"), "star", "/staff/evaluation", more=True),
    NavItem("accounts.me", _l("Me"), "me", "/me", more=True),
]

# Someone at a partner (a club, a venue) only redeems its vouchers.
PARTNER_LINKS = [
    NavItem("redeem.scan", _l("Redeem"), "ticket", "/redeem"),
    NavItem("accounts.me", _l("Me"), "me", "/me"),
]

ADULT_LINKS = [
    NavItem("core.home", _l("Home"), "home", "/"),
    NavItem("checkins.young_people", _l("My young people"), "people", "/my-young-people"),
    NavItem("messages.index", _l("Messages"), "chat", "/messages"),
    NavItem("events.index", _l("Events"), "calendar", "/events"),
    NavItem("accounts.me", _l("Me"), "me", "/me"),
]


def _is_here(item: NavItem) -> bool:
    if item.prefix == "/":
        return request.path == "/"
    # "/me" is not "/messages": a prefix counts only as a whole path segment.
    return request.path == item.prefix or request.path.startswith(item.prefix.rstrip("/") + "/")


def _badge(endpoint: str) -> int:
    """How many things wait behind a link: unread answers, or conversations for staff."""
    from hub.db import get_session
    from hub.messages import inbox, services

    if endpoint == "messages.index":
        return services.unread_count(get_session(), current_user)
    if endpoint == "staff_messages.inbox":
        counts = inbox.tab_counts(get_session(), viewer=current_user, filters=inbox.Filters())
        return counts["new"] + counts["mine"]
    return 0


def _bell_count() -> int:
    from hub.db import get_session
    from hub.notifications.services import unread_count

    return unread_count(get_session(), current_user.id)


def navigation() -> dict:
    """The menu, its badges and the bell, for someone who is in; nothing (and no query) before."""
    if not is_signed_in():  # logged out, or a staff login before its second factor
        return {"signed_in": False, "nav_style": None, "nav_items": [], "bell_count": 0}
    if current_user.has_role(Role.STAFF):
        style, items = "top", STAFF_LINKS
    elif current_user.has_role(Role.PARTNER):
        style, items = "top", PARTNER_LINKS
    elif current_user.has_role(Role.YOUNG):
        style, items = "tabs", YOUNG_TABS
    else:
        style, items = "top", ADULT_LINKS
    return {
        "signed_in": True,
        "nav_style": style,
        "nav_items": [
            {
                "url": url_for(i.endpoint),
                "label": i.label,
                "icon": i.icon,
                "here": _is_here(i),
                "badge": _badge(i.endpoint),
                "more": i.more,
            }
            for i in items
        ],
        "bell_count": _bell_count(),
    }


def init_app(app: Flask) -> None:
    app.context_processor(navigation)
