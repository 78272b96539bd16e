"""Slowing down guessing at the redeem page, and telling the staff when someone tries.

A voucher code is a voucher id and six digits, and three digit strings open a voucher at any
moment (this minute's, the last minute's and today's offline code), so one guess hits a given
voucher with a chance of at most 3 in 10^6. Wrong codes are counted tightly, each count in the
limiter's shared storage (Redis in production; per worker while it is down), so that chance
stays out of reach:

- **wrong codes per account**: 10 an hour, 30 a day. A door with a few typos is never held up;
  someone guessing needs about 1/(30 * 3e-6) days, some thirty years, to hit one voucher.
- **wrong codes per address**: 20 an hour, 60 a day, whichever accounts typed them, so several
  partner accounts on one network add up to one account's worth twice over (fifteen years).
- **every look-up**, right or wrong, per account (120 an hour) and per address (240 an hour):
  roomy, so a busy door scanning correct codes is never held up, but a flood is.

When an account's wrong codes fill an hour's or a day's count, every active member of staff is
told once that day, with a link to the account. Codes never reach the storage or the log.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem, parse_many
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.credits.models import Partner
from hub.credits.vouchers import LOCAL
from hub.db import get_session, job_session, utcnow
from hub.errors import DomainError
from hub.i18n import duration, when
from hub.notifications.services import notify
from hub.security import SharedCounts, client_address, shared_counts

WRONG_PER_ACCOUNT = parse_many("10/hour;30/day")
WRONG_PER_ADDRESS = parse_many("20/hour;60/day")
LOOKUPS_PER_ACCOUNT = parse_many("120/hour")
LOOKUPS_PER_ADDRESS = parse_many("240/hour")

Counts = list[tuple[str, list[RateLimitItem]]]


class TooManyCodes(DomainError):
    status = 429

    def __init__(self, wait: int):
        super().__init__("too_many_codes", _wait_message(wait))
        self.wait = wait


def _wait_message(wait: int) -> str:
    """When to try again: in minutes within the hour, else the time of day (today or tomorrow)."""
    if wait <= 3600:
        later = duration(timedelta(seconds=wait), round_up=True)
        return str(_l("You have typed many codes that did not work. Try again in %(time)s.", time=later))
    now = utcnow()
    until = now + timedelta(seconds=wait)
    at = when(until, "time")
    if until.astimezone(LOCAL).date() == now.astimezone(LOCAL).date():
        return str(_l("You have typed many codes that did not work. Try again at %(time)s.", time=at))
    return str(_l("You have typed many codes that did not work. Try again tomorrow at %(time)s.", time=at))


def _wrong_counts(actor: User) -> Counts:
    return [
        (f"redeem-wrong/account/{actor.id}", WRONG_PER_ACCOUNT),
        (f"redeem-wrong/address/{client_address()}", WRONG_PER_ADDRESS),
    ]


def _lookup_counts(actor: User) -> Counts:
    return [
        (f"redeem-lookup/account/{actor.id}", LOOKUPS_PER_ACCOUNT),
        (f"redeem-lookup/address/{client_address()}", LOOKUPS_PER_ADDRESS),
    ]


def _window() -> SharedCounts:
    return shared_counts()


def check(actor: User) -> None:
    """Before a look-up: wait while any count is full (TooManyCodes), else count this look-up."""
    window, now, wait = _window(), time.time(), 0.0
    lookups = _lookup_counts(actor)
    for key, limits in _wrong_counts(actor) + lookups:
        for limit in limits:
            if not window.test(limit, key):
                wait = max(wait, window.get_window_stats(limit, key).reset_time - now)
    if wait > 0:
        raise TooManyCodes(math.ceil(wait))
    for key, limits in lookups:
        for limit in limits:
            window.hit(limit, key)


def count_wrong(actor: User) -> None:
    """After a code that did not work: count it. The hit that fills one of the account's counts
    tells the staff, unless a member of staff typed it."""
    window, filled, account_id = _window(), False, actor.id
    for key, limits in _wrong_counts(actor):
        for limit in limits:
            window.hit(limit, key)
            filled |= key.startswith("redeem-wrong/account/") and not window.test(limit, key)
    if filled and not actor.is_staff_member:
        current_app.logger.warning("redeem: account %s typed too many wrong voucher codes", account_id)
        # The answer is a refusal, so the request keeps nothing of its own: it lets go of its
        # transaction (SQLite has one writer at a time) and the notice commits on its own.
        # (`actor` is not read again here: that would start the request's transaction anew.)
        get_session().rollback()
        with job_session() as session:
            tell_staff(session, account_id=account_id)


def tell_staff(session: Session, *, account_id: int, now: datetime | None = None) -> None:
    """Every active member of staff hears, once a day per account, that it guesses codes."""
    account = session.get(User, account_id)
    partner = session.get(Partner, account.partner_id) if account.partner_id else None
    day = (now or utcnow()).astimezone(LOCAL).date().isoformat()
    link = f"/staff/people?{urlencode({'q': account.email})}"
    staff = session.exec(select(User).where((User.is_staff | User.is_admin) & User.disabled_at.is_(None))).all()
    for person in staff:
        notify(
            session,
            person,
            kind="klip_guessing",
            title=_l("Many wrong voucher codes from %(partner)s", partner=partner.name if partner else account.name),
            body=_l(
                "%(name)s's account typed many voucher codes that did not work, and has to wait. "
                "If it looks like guessing, an admin can close the account.",
                name=account.name,
            ),
            url=link if len(link) <= 300 else "/staff/people",
            dedupe_key=f"klip-guessing:{account.id}:{day}:{person.id}",
        )
