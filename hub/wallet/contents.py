"""What the wallet holds: an explicit, short list, and nothing else of the person.

Tickets for the next bookings, open vouchers with their offline codes, the primary support
person and how to reach them, the hub's address and hours, the crisis numbers. Never
messages, plan notes or check-ins: the phone keeps this page with no login in front of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time

from markupsafe import Markup
from sqlmodel import Session

from hub.accounts.models import User
from hub.core.links import public_url
from hub.core.qr import qr_svg
from hub.credits import queries as credit_queries
from hub.credits import vouchers
from hub.events import queries as event_queries
from hub.messages import hours
from hub.messages.models import CrisisLine
from hub.support import services as support

TICKETS_KEPT = 3  # the next few: a wallet, not a calendar
# Tomorrow's offline code is carried only from this Copenhagen time, and only when the copy may
# still be shown after midnight: a night out still has its voucher, while a copy read earlier
# (or by someone else) holds no code that works all of tomorrow.
TOMORROW_FROM = time(20, 0)


@dataclass(frozen=True)
class Ticket:
    place: event_queries.Place
    qr: Markup


@dataclass(frozen=True)
class VoucherCode:
    code: str
    qr: Markup
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class KeptVoucher:
    card: credit_queries.VoucherCard
    codes: list[VoucherCode]


@dataclass(frozen=True)
class Wallet:
    made_at: datetime
    kept_until: datetime  # the phone shows its copy offline until then (hub/wallet/keep.py)
    address: str
    week: hours.Hours
    crisis_lines: list[CrisisLine]
    tickets: list[Ticket] = field(default_factory=list)
    vouchers: list[KeptVoucher] = field(default_factory=list)
    primary: support.PersonCard | None = None


def build(session: Session, *, user: User, now: datetime, kept_until: datetime, address: str) -> Wallet:
    """The wallet of `user` as of `now`, to be shown until `kept_until`; only a young person has
    tickets, vouchers and a circle."""
    wallet = Wallet(
        made_at=now,
        kept_until=kept_until,
        address=address,
        week=hours.opening_hours(session),
        crisis_lines=hours.crisis_lines(session),
    )
    if not user.is_young:
        return wallet
    places = [place for place in event_queries.upcoming_places(session, user, now) if place.has_ticket]
    open_cards, _used = credit_queries.voucher_cards(session, user.id)
    return replace(
        wallet,
        tickets=[Ticket(place, _ticket_qr(place.booking.ticket_code)) for place in places[:TICKETS_KEPT]],
        vouchers=[KeptVoucher(card, _offline_codes(card, now, kept_until)) for card in open_cards],
        primary=support.primary_card(session, young=user),
    )


def crisis_rows(wallet: Wallet) -> list[dict]:
    """The crisis lines as the help page's macro shows them, with a number to tap."""
    return [{"line": line, "tel": re.sub(r"[^\d+]", "", line.phone), "open": True} for line in wallet.crisis_lines]


def _ticket_qr(code: str) -> Markup:
    """As on the booking page: the staff's check-in link for this booking."""
    return qr_svg(public_url("staff_events.scan", code=code))


def _offline_codes(card: credit_queries.VoucherCard, now: datetime, kept_until: datetime) -> list[VoucherCode]:
    """Today's offline code; tomorrow's too in the evening, when the copy lasts past midnight."""
    evening = now.astimezone(vouchers.LOCAL).time() >= TOMORROW_FROM
    return [
        VoucherCode(
            code=shown.code,
            qr=qr_svg(public_url("redeem.scan", code=shown.code)),  # as the live ticket's QR
            valid_from=shown.valid_from,
            valid_until=shown.valid_until,
        )
        for shown in vouchers.offline_codes(card.voucher, now)
        if shown.valid_from <= now or (evening and shown.valid_from < kept_until)
    ]
