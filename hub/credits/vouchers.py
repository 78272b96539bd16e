"""Vouchers: what klip buy. Shown as a ticket whose code changes every minute.

The code is an HMAC of the voucher's own secret and the current minute, so a screenshot is
useless a minute or two later, and only the logged-in owner's page can show a fresh one.
A phone with no connection cannot fetch a fresh code, so the wallet also carries an *offline
code*: the same format, an HMAC with its own label over a Copenhagen calendar day (today's and
tomorrow's, so it works across midnight). Redemption takes either.
A voucher is redeemed once; staff redeem any, a partner only its own offers' vouchers.

A partner is told only "this code cannot be used", whatever the reason (no such voucher, another
partner's, wrong digits, an old code, used, given back), and every look-up computes the same
HMACs: neither the answer nor its timing tells which vouchers exist or what state they are in.
Guessing is slowed down in hub.credits.redeem_throttle.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.credits import services as ledger
from hub.credits.models import KlipEntry, Offer, OfferKind, Voucher, VoucherStatus
from hub.db import utcnow
from hub.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from hub.notifications.services import notify

WINDOW_SECONDS = 60
DIGITS = 6
LOCAL = ZoneInfo("Europe/Copenhagen")  # an offline code is good for one day here
ID_DIGITS = 9  # a voucher's number has at most this many digits
CODE = re.compile(r"^\s*(\d{1,9})\s*[-– ]\s*(\d{6})\s*$")
UNREADABLE = "code_unreadable"  # not a code at all: says nothing about any voucher


def code_text(voucher_id: int, digits: str) -> str:
    """How a code is written: the voucher's number, a dash, six digits ("48-913027")."""
    return f"{voucher_id}-{digits}"


# What the partner's code field says and allows, made from the same rule as the codes themselves.
EXAMPLE_CODE = code_text(48, "913027")
CODE_MAX_LENGTH = ID_DIGITS + 1 + DIGITS  # the longest code, dash included
CODE_INPUT_PATTERN = f"[0-9]{{1,{ID_DIGITS}}}[\\- –]?[0-9]{{{DIGITS}}}"  # the dash may be left out


@dataclass(frozen=True)
class Shown:
    code: str  # "482-913027": what the QR holds and staff can type
    valid_until: datetime


def _window(moment: datetime) -> int:
    return int(moment.timestamp()) // WINDOW_SECONDS


# Checked against a code naming no voucher, so that look-up takes as long as a real one.
NO_SECRET = "00" * 32


def _digits(voucher: Voucher, window: int | str) -> str:
    mac = hmac.new(bytes.fromhex(voucher.qr_secret), f"{voucher.id}:{window}".encode(), hashlib.sha256).digest()
    offset = mac[-1] & 0x0F  # dynamic truncation, as in TOTP (RFC 4226)
    number = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def current_code(voucher: Voucher, now: datetime | None = None) -> Shown:
    now = now or utcnow()
    window = _window(now)
    until = datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, tz=now.tzinfo)
    return Shown(code=code_text(voucher.id, _digits(voucher, window)), valid_until=until)


@dataclass(frozen=True)
class OfflineCode:
    code: str
    valid_from: datetime
    valid_until: datetime


def _offline_digits(voucher: Voucher, day: date) -> str:
    # Its own label: an offline code can never equal some minute's code by construction.
    return _digits(voucher, f"offline:{day.isoformat()}")


def _day_span(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LOCAL)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL)


def offline_codes(voucher: Voucher, now: datetime | None = None) -> list[OfflineCode]:
    """Today's and tomorrow's offline codes (Copenhagen days), for the wallet to carry."""
    today = (now or utcnow()).astimezone(LOCAL).date()
    codes = []
    for day in (today, today + timedelta(days=1)):
        start, end = _day_span(day)
        codes.append(OfflineCode(code_text(voucher.id, _offline_digits(voucher, day)), start, end))
    return codes


def _fresh(voucher: Voucher, digits: str, now: datetime) -> bool:
    """This minute's code or the last one's (a code shown is good for one to two minutes),
    or today's offline code. All three are compared every time: no early way out."""
    window = _window(now)
    candidates = (_digits(voucher, window), _digits(voucher, window - 1))
    candidates += (_offline_digits(voucher, now.astimezone(LOCAL).date()),)
    return any([hmac.compare_digest(candidate, digits) for candidate in candidates])


def parse(code: str) -> tuple[int, str]:
    match = CODE.match(code or "")
    if not match:
        message = _l("That does not look like a voucher code. It looks like %(example)s.", example=EXAMPLE_CODE)
        raise Invalid(UNREADABLE, str(message))
    return int(match.group(1)), match.group(2)


def may_redeem(actor: User, offer: Offer) -> bool:
    return actor.is_staff_member or (actor.partner_id is not None and actor.partner_id == offer.partner_id)


def cannot_use() -> NotFound:
    """The one answer a partner gets for any code it cannot use, whatever the reason."""
    message = _l(
        "This code cannot be used. Ask to see the newest code on the phone. "
        "If that does not work either, the voucher may be used already or be for another place."
    )
    return NotFound("code_not_usable", str(message))


def _why_not(voucher: Voucher | None, offer: Offer | None, actor: User, fresh: bool) -> DomainError | None:
    """Why this person cannot use the voucher, in detail (None: they can)."""
    if voucher is None or not may_redeem(actor, offer):
        return NotFound("unknown_code", str(_l("We do not know that code.")))
    if voucher.status == VoucherStatus.REDEEMED:
        return Conflict("already_redeemed", str(_l("This voucher has already been used.")))
    if voucher.status == VoucherStatus.REFUNDED:
        return Conflict("refunded", str(_l("This voucher was given back and cannot be used.")))
    if not fresh:
        return Invalid("code_expired", str(_l("The code has changed. Ask to see the newest code on the phone.")))
    return None


def look_up(session: Session, *, actor: User, code: str, lock: bool = False) -> tuple[Voucher, Offer, User]:
    """The voucher behind a code, if this person may use it now. Staff, who see every voucher
    anyway, are told why not; a partner gets `cannot_use()` for every reason."""
    if not (actor.is_staff_member or actor.partner_id):
        raise Forbidden("not_allowed")
    voucher_id, digits = parse(code)
    statement = select(Voucher, Offer).join(Offer, Offer.id == Voucher.offer_id).where(Voucher.id == voucher_id)
    if lock:
        statement = statement.with_for_update(of=Voucher).execution_options(populate_existing=True)
    voucher, offer = session.exec(statement).first() or (None, None)
    stand_in = Voucher(id=voucher_id, qr_secret=NO_SECRET) if voucher is None else voucher
    problem = _why_not(voucher, offer, actor, _fresh(stand_in, digits, utcnow()))
    if problem is not None:
        raise problem if actor.is_staff_member else cannot_use()
    return voucher, offer, session.get(User, voucher.user_id)


def redeem(session: Session, *, actor: User, code: str) -> Voucher:
    """Use a voucher: once, and only with a fresh code."""
    voucher, _offer, _owner = look_up(session, actor=actor, code=code, lock=True)
    voucher.status = VoucherStatus.REDEEMED
    voucher.redeemed_at = utcnow()
    voucher.redeemed_by_id = actor.id
    session.flush()
    return voucher


def buy(session: Session, *, actor: User, offer_id: int, key: str) -> Voucher:
    """Spend klip on an offer. The same `key` (one per page view) never buys twice."""
    if not actor.is_young:
        raise Forbidden("only_young", str(_l("Only young people spend klip.")))
    if not key or len(key) > 60:
        raise Invalid("key_missing")
    key = f"voucher-{actor.id}-{key}"
    ledger.lock_account(session, actor.id)
    done = session.exec(select(KlipEntry).where(KlipEntry.idempotency_key == key)).first()
    if done is not None and done.voucher_id is not None:
        return session.get(Voucher, done.voucher_id)  # a retried tap: the voucher it already bought
    offer = session.get(Offer, offer_id)
    if offer is None or not offer.active:
        raise NotFound("unknown_offer", str(_l("We could not find that offer.")))
    voucher = Voucher(user_id=actor.id, offer_id=offer.id, price_klip=offer.price_klip, qr_secret=secrets.token_hex(32))
    session.add(voucher)
    session.flush()
    ledger.spend(session, user_id=actor.id, amount=offer.price_klip, reason=offer.title, key=key, voucher_id=voucher.id)
    if is_request(offer):
        _tell_staff(session, actor, offer)
    return voucher


def _tell_staff(session: Session, young: User, offer: Offer) -> None:
    """A wish for company or a talk is arranged by the staff, so every staff member hears of it."""
    staff = session.exec(select(User).where((User.is_staff | User.is_admin) & User.disabled_at.is_(None))).all()
    for person in staff:
        notify(
            session,
            person,
            kind="klip_request",
            title=_l("%(name)s used klip on: %(offer)s", name=young.display_name, offer=offer.title),
            body=_l("Get in touch and arrange it. It shows on the klip page until it is used."),
            url=f"/staff/klip/people/{young.id}",
        )


def refund(session: Session, *, actor: User, voucher_id: int, reason: str) -> Voucher:
    """Staff give the klip of an unused voucher back; the voucher can no longer be used."""
    if not actor.is_staff_member:
        raise Forbidden("not_staff")
    if not reason.strip():
        raise Invalid("reason_missing", str(_l("Write why, so others can understand it later.")))
    voucher = session.exec(
        select(Voucher).where(Voucher.id == voucher_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if voucher is None:
        raise NotFound("not_found")
    if voucher.status != VoucherStatus.OPEN:
        raise Conflict("not_open", str(_l("Only an unused voucher can be given back.")))
    voucher.status = VoucherStatus.REFUNDED
    voucher.refunded_at = utcnow()
    ledger.refund(
        session,
        user_id=voucher.user_id,
        amount=voucher.price_klip,
        reason=reason.strip()[:300],
        key=f"voucher-refund-{voucher.id}",
        actor_id=actor.id,
        voucher_id=voucher.id,
    )
    session.flush()
    return voucher


def is_request(offer: Offer) -> bool:
    """Company the first time, or an after-talk: staff arrange them instead of a partner."""
    return offer.kind in (OfferKind.COMPANION, OfferKind.AFTER_TALK)


def open_requests(session: Session) -> list[tuple[Voucher, Offer, User]]:
    """Unused vouchers for company or a talk: wishes the staff still have to arrange."""
    rows = session.exec(
        select(Voucher, Offer, User)
        .join(Offer, Offer.id == Voucher.offer_id)
        .join(User, User.id == Voucher.user_id)
        .where(Voucher.status == VoucherStatus.OPEN, Offer.kind.in_([OfferKind.COMPANION, OfferKind.AFTER_TALK]))
        .order_by(Voucher.created_at)
    )
    return list(rows.all())
