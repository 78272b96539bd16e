"""Numbers about klip: balances per young person for staff, and by month for the evaluation.

Nothing from the monthly numbers names a person: the CSV export holds sums only.
Months are made in Python (as in hub.events.stats), so the same code runs on SQLite and
PostgreSQL and follows the hub's own time zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.core.export import csv_text
from hub.credits.ledger import replay
from hub.credits.models import EntryKind, KlipEntry, Offer, OfferCategory, Voucher, VoucherStatus

EVENTS = "events"  # klip paid for event bookings count as their own category
CATEGORIES = [*(c.value for c in OfferCategory), EVENTS]
SOON = timedelta(days=30)


# --- per person ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One young person's klip at a glance."""

    balance: int = 0
    available: int = 0  # the balance less klip that ran out a moment ago
    expiring: int = 0  # klip that run out within SOON
    expiring_at: datetime | None = None  # the first of those


def find_young(session: Session, query: str = "", *, limit: int = 100) -> list[User]:
    statement = select(User).where(User.is_young).order_by(User.name, User.id).limit(limit)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(or_(User.email.like(pattern), User.name.ilike(pattern)))
    return list(session.exec(statement).all())


def cards(session: Session, user_ids: list[int], *, now: datetime) -> dict[int, Card]:
    """Klip for many people: one grouped query for the balances, one for the lots that expire.

    Only people who ever got klip with an expiry need their ledger replayed; for everyone
    else what may be spent is simply the balance.
    """
    found = {user_id: Card() for user_id in user_ids}
    if not user_ids:
        return found
    rows = session.exec(
        select(
            KlipEntry.user_id,
            func.sum(KlipEntry.amount),
            func.sum(case((KlipEntry.expires_at.is_not(None), 1), else_=0)),
        )
        .where(KlipEntry.user_id.in_(user_ids))
        .group_by(KlipEntry.user_id)
    ).all()
    expiring_people = []
    for user_id, total, with_expiry in rows:
        found[user_id] = Card(balance=int(total), available=int(total))
        if with_expiry:
            expiring_people.append(user_id)
    if expiring_people:
        entries = defaultdict(list)
        for entry in session.exec(select(KlipEntry).where(KlipEntry.user_id.in_(expiring_people))).all():
            entries[entry.user_id].append(entry)
        for user_id, own in entries.items():
            ledger = replay(own)
            soon = [lot for lot in ledger.expiring(now) if lot.expires_at <= now + SOON]
            found[user_id] = Card(
                balance=found[user_id].balance,
                available=ledger.available(now),
                expiring=sum(lot.remaining for lot in soon),
                expiring_at=soon[0].expires_at if soon else None,
            )
    return found


# --- by month --------------------------------------------------------------------------------


def year_back(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From the first day of the month eleven months ago until the end of this month."""
    local = now.astimezone(tz)
    year, month = (local.year, local.month - 11) if local.month > 11 else (local.year - 1, local.month + 1)
    since = datetime.combine(local.date().replace(year=year, month=month, day=1), time(), tz)
    next_month = (local.date().replace(day=28) + timedelta(days=4)).replace(day=1)
    return since, datetime.combine(next_month, time(), tz)


def _months_between(start: datetime, end: datetime) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _per_category() -> dict[str, int]:
    return dict.fromkeys(CATEGORIES, 0)


@dataclass
class Month:
    key: str  # YYYY-MM in the hub's time zone
    granted: int = 0  # grants, allotments included
    spent: int = 0
    given_back: int = 0  # refunds: cancelled events, vouchers given back
    expired: int = 0
    corrected: int = 0  # corrections up and down, summed
    spent_on: dict[str, int] = field(default_factory=_per_category)
    given_back_on: dict[str, int] = field(default_factory=_per_category)

    @property
    def net_spent(self) -> int:
        return self.spent - self.given_back

    @property
    def by_category(self) -> dict[str, int]:
        """Spent less given back, per category, in the month each happened."""
        return {c: self.spent_on.get(c, 0) - self.given_back_on.get(c, 0) for c in self.spent_on | self.given_back_on}


def monthly(session: Session, *, since: datetime, until: datetime, tz: ZoneInfo) -> list[Month]:
    """Klip in and out per local month, and what they were spent on (one query)."""
    rows = session.exec(
        select(KlipEntry.created_at, KlipEntry.kind, KlipEntry.amount, KlipEntry.booking_id, Offer.category)
        .select_from(KlipEntry)
        .outerjoin(Voucher, Voucher.id == KlipEntry.voucher_id)
        .outerjoin(Offer, Offer.id == Voucher.offer_id)
        .where(KlipEntry.created_at >= since, KlipEntry.created_at < until)
    ).all()
    local_until = (until - timedelta(microseconds=1)).astimezone(tz)
    months = {key: Month(key) for key in _months_between(since.astimezone(tz), local_until)}
    for created_at, kind, amount, booking_id, category in rows:
        key = created_at.astimezone(tz).strftime("%Y-%m")
        month = months.setdefault(key, Month(key))
        spent_on = EVENTS if booking_id is not None else (category or OfferCategory.OTHER.value)
        if kind == EntryKind.GRANT:
            month.granted += amount
        elif kind == EntryKind.EXPIRY:
            month.expired -= amount
        elif kind == EntryKind.CORRECTION:
            month.corrected += amount
        elif kind == EntryKind.SPEND:
            month.spent -= amount
            month.spent_on[spent_on] = month.spent_on.get(spent_on, 0) - amount
        elif kind == EntryKind.REFUND:
            month.given_back += amount
            month.given_back_on[spent_on] = month.given_back_on.get(spent_on, 0) + amount
    return [months[key] for key in sorted(months)]


@dataclass(frozen=True)
class OfferNumbers:
    offer: Offer
    sold: int
    redeemed: int
    given_back: int
    open: int
    klip: int  # what the vouchers still standing (open or used) cost


def per_offer(session: Session) -> list[OfferNumbers]:
    """Vouchers per offer, in one grouped query: sold, used, given back."""

    def count(status: str):
        return func.coalesce(func.sum(case((Voucher.status == status, 1), else_=0)), 0)

    rows = session.exec(
        select(
            Offer,
            func.count(Voucher.id),
            count(VoucherStatus.REDEEMED),
            count(VoucherStatus.REFUNDED),
            count(VoucherStatus.OPEN),
            func.coalesce(func.sum(case((Voucher.status != VoucherStatus.REFUNDED, Voucher.price_klip), else_=0)), 0),
        )
        .outerjoin(Voucher, Voucher.offer_id == Offer.id)
        .group_by(Offer.id)
        .order_by(Offer.title, Offer.id)
    ).all()
    return [OfferNumbers(offer, *(int(n) for n in numbers)) for offer, *numbers in rows]


# --- a chart and a file ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    value: int
    series: str  # "granted" or "spent": the CSS class, and the legend


@dataclass(frozen=True)
class Group:
    label: str  # the month, MM
    centre: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    groups: list[Group]


def bar_chart(months: list[Month], *, width: int = 600, height: int = 240) -> Chart:
    """Geometry for granted and spent side by side per month; the template only draws it."""
    top, bottom = 24, 28  # room for the numbers above and the months below
    highest = max((max(m.granted, m.net_spent) for m in months), default=0)
    slot = width // max(1, len(months))
    space = height - top - bottom
    bar_width = max(1, (slot - slot // 4) // 2)
    groups = []
    for i, month in enumerate(months):
        left = i * slot + slot // 8
        bars = []
        for j, (series, value) in enumerate((("granted", month.granted), ("spent", max(0, month.net_spent)))):
            bar_height = round(space * value / highest) if highest else 0
            bars.append(Bar(left + j * bar_width, top + space - bar_height, bar_width, bar_height, value, series))
        groups.append(Group(label=month.key[5:], centre=i * slot + slot // 2, bars=bars))
    return Chart(width=width, height=height, baseline=top + space, groups=groups)


CSV_COLUMNS = ["month", "category", "klip_spent", "klip_given_back", "klip_net"]


def export_csv(months: list[Month]) -> str:
    """One row per month and category: sums only, no names, no e-mails, nothing about a person."""
    rows = []
    for month in months:
        for category in CATEGORIES:
            spent, back = month.spent_on.get(category, 0), month.given_back_on.get(category, 0)
            rows.append((month.key, category, spent, back, spent - back))
    return csv_text(CSV_COLUMNS, rows)
