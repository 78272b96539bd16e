"""Klip for staff: grants to one or many, corrections, vouchers given back, monthly
allotments, the catalogue of offers and the partners behind them.

Every change of a balance goes through hub.credits.services (or vouchers.refund), which locks
the person's account row and writes an append-only entry; nothing here writes entries itself.
Each function checks everything it can before it writes, and reports all problems of a form
at once in `InvalidInput.errors`, field by field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.credits import jobs, vouchers
from hub.credits import services as ledger
from hub.credits.models import (
    Allotment,
    Audience,
    KlipEntry,
    Offer,
    OfferCategory,
    OfferKind,
    Partner,
    Voucher,
)
from hub.db import MAX_ID, utcnow
from hub.errors import Forbidden, Invalid, NotFound

AARHUS = ZoneInfo("Europe/Copenhagen")
MAX_PRICE = 100
MAX_EXPIRY_DAYS = 730  # a grant's expiry date at most two years ahead
MAX_ALLOTMENT_DAYS = 730
KEY = re.compile(r"[0-9a-f]{32}")  # uuid4().hex, made when the form was shown

# Symbols in static/icons/sprite.svg that an offer may show.
OFFER_ICONS = ("star", "ticket", "heart", "idea", "people", "calendar")


class Recipients(StrEnum):
    """Who a grant to many goes to: one of the allotment audiences, or people ticked by hand."""

    TRIAL = Audience.TRIAL.value
    ALL_YOUNG = Audience.ALL_YOUNG.value
    CHOSEN = "chosen"


class InvalidInput(Invalid):
    """Some fields are wrong; `errors` maps each field to what to fix."""

    def __init__(self, errors: dict[str, str], code: str = "invalid_input"):
        super().__init__(code, str(_l("Something needs fixing. Look at the fields marked below.")))
        self.errors = errors


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise Forbidden("staff_only", str(_l("Only the staff at the hub can do this.")))


def _raise_if(errors: dict[str, str]) -> None:
    errors = {name: message for name, message in errors.items() if message}
    if errors:
        raise InvalidInput(errors)


def _text_problem(value: str, *, longest: int, required=None) -> str | None:
    if not value:
        return str(required) if required else None
    if len(value) > longest:
        return str(_l("Keep it to %(max)d characters or fewer (it is %(length)d now).", max=longest, length=len(value)))
    return None


def _number_problem(value: int | None, *, low: int, high: int, missing) -> str | None:
    if value is None:
        return str(missing)
    if not low <= value <= high:
        return str(_l("Write a number from %(low)d to %(high)d.", low=low, high=high))
    return None


def is_web_address(value: str) -> bool:
    """An http(s) address with a host and no blanks: nothing a browser would run."""
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _link_problem(value: str) -> str | None:
    if not value:
        return None
    if len(value) > 300:
        return _text_problem(value, longest=300)
    if not is_web_address(value):
        return str(_l("Write a whole web address that starts with https:// or http://."))
    return None


def check_key(key: str | None) -> str:
    """The form's one-time key, so a double submit does its work once."""
    if not key or not KEY.fullmatch(key):
        raise Invalid("key_missing", str(_l("The form had expired. Reload the page and try again.")))
    return key


def young_person(session: Session, user_id: int) -> User:
    """Only young people have klip; anyone else looks like a missing page."""
    person = session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if person is None or not person.is_young:
        raise NotFound("not_found", str(_l("We could not find that page")))
    return person


def end_of_day(day: date, tz: ZoneInfo = AARHUS) -> datetime:
    """The last second of `day` in the hub's time zone, in UTC."""
    return datetime.combine(day, time(23, 59, 59), tz).astimezone(UTC)


# --- grants, corrections, vouchers given back ----------------------------------------------


@dataclass
class GrantInput:
    amount: int | None = None
    reason: str = ""
    expires_on: date | None = None  # klip run out at the end of this day, Aarhus time

    def cleaned(self) -> GrantInput:
        return replace(self, reason=(self.reason or "").strip())


def _amount_problem(amount: int | None, *, signed: bool = False) -> str | None:
    if amount is None:
        return str(_l("Write how many klip."))
    if signed and amount == 0:
        return str(_l("Write a number above or below 0, like 2 or -2."))
    size = abs(amount) if signed else amount
    if size < 1:
        return str(_l("The number of klip must be at least 1."))
    if size > ledger.MAX_AMOUNT:
        return str(_l("That is more klip than we allow at once (%(max)d).", max=ledger.MAX_AMOUNT))
    return None


def _reason_problem(reason: str) -> str | None:
    return _text_problem(reason, longest=300, required=_l("Write why, so others can understand it later."))


def grant_problems(data: GrantInput, *, now: datetime, tz: ZoneInfo = AARHUS) -> dict[str, str]:
    """What is wrong with a grant, field by field. Reads no database."""
    errors = {"amount": _amount_problem(data.amount), "reason": _reason_problem(data.reason)}
    if data.expires_on is not None:
        today = now.astimezone(tz).date()
        if data.expires_on < today:
            errors["expires_on"] = str(_l("The expiry date must be today or later."))
        elif data.expires_on > today + timedelta(days=MAX_EXPIRY_DAYS):
            errors["expires_on"] = str(_l("The expiry date can be at most two years ahead."))
    return {name: message for name, message in errors.items() if message}


def _grant(session: Session, actor: User, person: User, data: GrantInput, key: str, tz: ZoneInfo) -> KlipEntry:
    return ledger.grant(
        session,
        user_id=person.id,
        amount=data.amount,
        reason=data.reason,
        actor_id=actor.id,
        expires_at=end_of_day(data.expires_on, tz) if data.expires_on else None,
        key=f"grant-{key}-{person.id}",
    )


def grant_klip(
    session: Session, *, actor: User, user_id: int, data: GrantInput, key: str, tz: ZoneInfo = AARHUS
) -> KlipEntry:
    """Give one young person klip; the same form key never grants twice."""
    _require_staff(actor)
    person = young_person(session, user_id)
    data = data.cleaned()
    _raise_if(grant_problems(data, now=utcnow(), tz=tz))
    return _grant(session, actor, person, data, check_key(key), tz)


@dataclass(frozen=True)
class GrantPlan:
    people: list[User]
    amount: int

    @property
    def total(self) -> int:
        return self.amount * len(self.people)


def _recipients(session: Session, recipients: str, chosen_ids: list[int]) -> list[User]:
    if recipients in (Recipients.TRIAL, Recipients.ALL_YOUNG):
        people = jobs.audience_of(session, recipients)
        if not people:
            raise InvalidInput({"recipients": str(_l("Nobody is in that group yet."))}, code="nobody")
        return people
    if recipients != Recipients.CHOSEN:
        raise InvalidInput({"recipients": str(_l("Choose who gets the klip."))}, code="unknown_recipients")
    ids = sorted(set(chosen_ids))
    if not ids:
        raise InvalidInput({"people": str(_l("Tick at least one person."))}, code="nobody")
    people = list(
        session.exec(
            select(User).where(User.id.in_(ids), User.is_young, User.disabled_at.is_(None)).order_by(User.id)
        ).all()
    )
    if len(people) != len(ids):
        message = _l("Someone you ticked cannot get klip. Reload the page and tick again.")
        raise InvalidInput({"people": str(message)}, code="unknown_person")
    return people


def plan_grant(
    session: Session, *, actor: User, recipients: str, chosen_ids: list[int], data: GrantInput, tz: ZoneInfo = AARHUS
) -> GrantPlan:
    """Who would get what, for the confirmation page; writes nothing."""
    _require_staff(actor)
    data = data.cleaned()
    errors = grant_problems(data, now=utcnow(), tz=tz)
    try:
        people = _recipients(session, recipients, chosen_ids)
    except InvalidInput as error:
        errors.update(error.errors)
    _raise_if(errors)
    return GrantPlan(people=people, amount=data.amount)


def grant_to_many(
    session: Session,
    *,
    actor: User,
    recipients: str,
    chosen_ids: list[int],
    data: GrantInput,
    key: str,
    tz: ZoneInfo = AARHUS,
) -> GrantPlan:
    """The same grant to each person, in id order; posting the same form twice grants once."""
    key = check_key(key)
    plan = plan_grant(session, actor=actor, recipients=recipients, chosen_ids=chosen_ids, data=data, tz=tz)
    data = data.cleaned()
    for person in plan.people:  # lock accounts in one order, so two grants cannot deadlock
        _grant(session, actor, person, data, key, tz)
    return plan


def correction_problems(amount: int | None, reason: str) -> dict[str, str]:
    errors = {"amount": _amount_problem(amount, signed=True), "reason": _reason_problem((reason or "").strip())}
    return {name: message for name, message in errors.items() if message}


def correct_klip(
    session: Session, *, actor: User, user_id: int, amount: int | None, reason: str, key: str
) -> KlipEntry:
    """Put a mistake right with a new entry, up or down; the balance never goes below zero."""
    _require_staff(actor)
    person = young_person(session, user_id)
    reason = (reason or "").strip()
    _raise_if(correction_problems(amount, reason))
    key = f"correct-{check_key(key)}-{person.id}"
    return ledger.correct(session, user_id=person.id, amount=amount, reason=reason, actor_id=actor.id, key=key)


def give_back(session: Session, *, actor: User, user_id: int, voucher_id: int | None, reason: str) -> Voucher:
    """Refund an unused voucher of this young person: the klip come back, the voucher closes."""
    _require_staff(actor)
    person = young_person(session, user_id)
    if voucher_id is None:
        raise Invalid("voucher_missing", str(_l("Choose a voucher to give back.")))
    voucher = session.get(Voucher, voucher_id)
    if voucher is None or voucher.user_id != person.id:
        raise NotFound("unknown_voucher", str(_l("We could not find that voucher.")))
    reason = (reason or "").strip()
    _raise_if({"reason": _reason_problem(reason)})
    return vouchers.refund(session, actor=actor, voucher_id=voucher.id, reason=reason)


# --- monthly allotments --------------------------------------------------------------------


@dataclass
class AllotmentInput:
    name: str = ""
    audience: str = Audience.TRIAL.value
    amount: int | None = None
    expires_after_days: int | None = None  # None: the klip never run out


def allotment_problems(data: AllotmentInput) -> dict[str, str]:
    days = data.expires_after_days
    errors = {
        "name": _text_problem(data.name, longest=120, required=_l("Give it a name the young people understand.")),
        "audience": None if data.audience in set(Audience) else str(_l("Choose who gets it.")),
        "amount": _amount_problem(data.amount),
        "expires_after_days": None
        if days is None
        else _number_problem(days, low=1, high=MAX_ALLOTMENT_DAYS, missing=""),
    }
    return {name: message for name, message in errors.items() if message}


def create_allotment(session: Session, *, actor: User, data: AllotmentInput) -> Allotment:
    """A monthly grant to a group; the scheduled job applies it once per month."""
    _require_staff(actor)
    data = replace(data, name=(data.name or "").strip())
    _raise_if(allotment_problems(data))
    allotment = Allotment(
        name=data.name,
        audience=data.audience,
        amount=data.amount,
        expires_after_days=data.expires_after_days,
        created_by_id=actor.id,
    )
    session.add(allotment)
    session.flush()
    return allotment


def set_allotment_active(session: Session, *, actor: User, allotment_id: int, active: bool) -> Allotment:
    """Pause or resume; a paused allotment is skipped by the monthly job."""
    _require_staff(actor)
    allotment = session.exec(
        select(Allotment)
        .where(Allotment.id == allotment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if allotment is None:
        raise NotFound("not_found", str(_l("We could not find that monthly grant.")))
    allotment.active = active
    session.flush()
    return allotment


# --- partners and the catalogue ------------------------------------------------------------


def partner_problems(session: Session, name: str, website: str, partner_id: int | None = None) -> dict[str, str]:
    name, website = (name or "").strip(), (website or "").strip()
    errors = {
        "name": _text_problem(name, longest=120, required=_l("Write the partner's name.")),
        "website": _link_problem(website),
    }
    if not errors["name"]:
        # lower() on both sides; the exact name too, as SQLite lowers only ASCII letters.
        same = select(Partner.id).where(
            or_(Partner.name == name, func.lower(Partner.name) == name.lower()), Partner.id != (partner_id or -1)
        )
        if session.exec(same).first() is not None:
            errors["name"] = str(_l("There is already a partner with this name."))
    return {field: message for field, message in errors.items() if message}


def _save_partner(session: Session, partner: Partner, *, name: str, website: str) -> Partner:
    try:
        # Changed inside the savepoint: begin_nested() flushes what is pending before it starts.
        # Two staff saving one name at once: the unique index decides.
        with session.begin_nested():
            partner.name, partner.website = name, website
            session.add(partner)
    except IntegrityError:
        raise InvalidInput({"name": str(_l("There is already a partner with this name."))}, code="name_taken") from None
    return partner


def create_partner(session: Session, *, actor: User, name: str, website: str = "") -> Partner:
    _require_staff(actor)
    name, website = (name or "").strip(), (website or "").strip()
    _raise_if(partner_problems(session, name, website))
    return _save_partner(session, Partner(), name=name, website=website)


def update_partner(session: Session, *, actor: User, partner_id: int, name: str, website: str = "") -> Partner:
    _require_staff(actor)
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("not_found", str(_l("We could not find that partner.")))
    name, website = (name or "").strip(), (website or "").strip()
    _raise_if(partner_problems(session, name, website, partner.id))
    return _save_partner(session, partner, name=name, website=website)


@dataclass
class OfferInput:
    title: str = ""
    category: str = OfferCategory.SPORT.value
    kind: str = OfferKind.LEISURE.value
    partner_id: int | None = None
    price_klip: int | None = None
    description: str = ""
    link: str = ""
    icon: str = "star"

    TEXTS = ("title", "description", "link")

    @classmethod
    def from_offer(cls, offer: Offer) -> OfferInput:
        return cls(**{f.name: getattr(offer, f.name) for f in fields(cls)})

    def cleaned(self) -> OfferInput:
        return replace(self, **{name: (getattr(self, name) or "").strip() for name in self.TEXTS})


def offer_problems(session: Session, data: OfferInput) -> dict[str, str]:
    """What is wrong with an offer, field by field; empty when all is well."""
    errors = {
        "title": _text_problem(data.title, longest=120, required=_l("Write a title.")),
        "description": _text_problem(data.description, longest=1000),
        "link": _link_problem(data.link),
        "category": None if data.category in set(OfferCategory) else str(_l("Choose a category from the list.")),
        "kind": None if data.kind in set(OfferKind) else str(_l("Choose a kind from the list.")),
        "icon": None if data.icon in OFFER_ICONS else str(_l("Choose an icon from the list.")),
        "price_klip": _number_problem(data.price_klip, low=1, high=MAX_PRICE, missing=_l("Write the price in klip.")),
    }
    if data.partner_id is not None and session.get(Partner, data.partner_id) is None:
        errors["partner_id"] = str(_l("Choose a partner from the list."))
    return {name: message for name, message in errors.items() if message}


def create_offer(session: Session, *, actor: User, data: OfferInput) -> Offer:
    _require_staff(actor)
    data = data.cleaned()
    _raise_if(offer_problems(session, data))
    offer = Offer(**{f.name: getattr(data, f.name) for f in fields(OfferInput)})
    session.add(offer)
    session.flush()
    return offer


def update_offer(session: Session, *, actor: User, offer_id: int, data: OfferInput) -> Offer:
    """Change an offer. Vouchers already bought keep the price they were bought for."""
    _require_staff(actor)
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound("not_found", str(_l("We could not find that offer.")))
    data = data.cleaned()
    _raise_if(offer_problems(session, data))
    for f in fields(OfferInput):
        setattr(offer, f.name, getattr(data, f.name))
    session.flush()
    return offer


def set_offer_active(session: Session, *, actor: User, offer_id: int, active: bool) -> Offer:
    """Take an offer out of the catalogue (or back); vouchers already bought stay valid."""
    _require_staff(actor)
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound("not_found", str(_l("We could not find that offer.")))
    offer.active = active
    session.flush()
    return offer
