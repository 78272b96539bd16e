"""Klippekort for young people: my klip, what I can use them on, and my tickets."""

from __future__ import annotations

import math
import secrets

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.core.links import public_url
from hub.core.qr import qr_svg
from hub.credits import queries, vouchers
from hub.credits import services as ledger
from hub.credits.models import OFFER_CATEGORY_LABELS, Voucher
from hub.db import get_session, utcnow
from hub.errors import Invalid, NotFound
from hub.htmx import hx_redirect, render

bp = Blueprint("credits", __name__, url_prefix="/klip")

CATEGORY_LABELS = OFFER_CATEGORY_LABELS


# --- my klip ---


@bp.route("")
@roles_required(Role.YOUNG)
def index():
    return render("credits/index.html", wallet=queries.wallet_of(get_session(), current_user.id, utcnow()))


# --- the catalogue ---


@bp.route("/offers")
@roles_required(Role.YOUNG, Role.STAFF)
def offers():
    category = request.args.get("category") or None
    error = None
    if category is not None and category not in CATEGORY_LABELS:
        category, error = None, _("We do not have that kind of offer. Here is everything instead.")
    db = get_session()
    cards = queries.offer_cards(db, category)
    return render(
        "credits/offers.html",
        "credits/_offers.html",
        status=400 if error else 200,
        leisure=_by_category(card for card in cards if not card.is_request),
        company=[card for card in cards if card.is_request],
        category=category,
        categories=CATEGORY_LABELS,
        error=error,
        usable=ledger.available(db, current_user.id) if current_user.is_young else None,
    )


def _by_category(cards) -> list[tuple[str, list[queries.OfferCard]]]:
    """Offers under their category's name, in the order of the chips."""
    groups: dict[str, list[queries.OfferCard]] = {category: [] for category in CATEGORY_LABELS}
    for card in cards:
        groups.setdefault(card.offer.category, []).append(card)
    return [(offer_category_label(category), found) for category, found in groups.items() if found]


def _offer_or_404(offer_id: int) -> queries.OfferCard:
    """An active offer, else 404; then whether this person may see the catalogue (young people, staff)."""
    card = queries.offer_card(get_session(), offer_id)
    if card is None:
        raise NotFound("unknown_offer", _("We could not find that offer. It may have ended."))
    if not current_user.has_role(Role.YOUNG, Role.STAFF):
        abort(403)
    return card


@bp.route("/offers/<int:offer_id>")
@login_required
def offer(offer_id: int):
    return _offer_page(_offer_or_404(offer_id))


def _offer_page(card: queries.OfferCard, *, short: bool = False, error: str | None = None, status: int = 200):
    """The offer and a one-tap buy; also shown again, with the reason, when buying fails."""
    usable = ledger.available(get_session(), current_user.id) if current_user.is_young else None
    price = card.offer.price_klip
    if short:
        error, status = _("You have %(have)d klip; this costs %(cost)d.", have=usable, cost=price), 409
    return render(
        "credits/offer.html",
        status=status,
        card=card,
        usable=usable,
        can_buy=usable is not None and usable >= price,
        # One key per page view: a double tap or a resent form buys once (see vouchers.buy).
        key=secrets.token_urlsafe(16),
        error=error,
    )


@bp.route("/offers/<int:offer_id>/buy", methods=["POST"])
@login_required
def buy(offer_id: int):
    card = _offer_or_404(offer_id)
    if not current_user.is_young:
        abort(403)
    db = get_session()
    try:
        with db.begin_nested():  # a refused buy must not show on the page that explains why
            voucher = vouchers.buy(db, actor=current_user, offer_id=card.offer.id, key=request.form.get("key", ""))
    except ledger.NotEnoughKlip:
        return _offer_page(card, short=True)
    except Invalid:
        return _offer_page(card, error=_("That did not go through. Please tap once more."), status=422)
    if card.is_request:
        flash(_("It's booked. The staff will get in touch to find a time with you."), "success")
    else:
        flash(_("It's yours! Show the ticket at %(place)s.", place=_place(card)), "success")
    return hx_redirect(url_for("credits.voucher", voucher_id=voucher.id))


def _place(card: queries.OfferCard) -> str:
    return card.partner.name if card.partner else _("the hub")


# --- my tickets ---


@bp.route("/vouchers", endpoint="vouchers")
@roles_required(Role.YOUNG)
def my_vouchers():
    open_cards, earlier = queries.voucher_cards(get_session(), current_user.id)
    return render("credits/vouchers.html", open_cards=open_cards, earlier=earlier)


def _own_voucher(voucher_id: int) -> Voucher:
    return get_or_404(Voucher, voucher_id, visible=lambda v: v.user_id == current_user.id)


@bp.route("/vouchers/<int:voucher_id>")
@login_required
def voucher(voucher_id: int):
    return render("credits/voucher.html", **_ticket(_own_voucher(voucher_id)))


@bp.route("/vouchers/<int:voucher_id>/code")
@login_required
def voucher_code(voucher_id: int):
    """The ticket's code block, fetched again while the page is open: the code changes each minute."""
    return render("credits/voucher.html", "credits/_voucher_code.html", **_ticket(_own_voucher(voucher_id)))


def _ticket(voucher: Voucher) -> dict:
    """What the ticket page and its code block show, from one place."""
    card = queries.voucher_card(get_session(), voucher)
    if not card.is_open:
        return {"card": card, "shown": None, "qr": None, "seconds_left": None}
    now = utcnow()
    shown = vouchers.current_code(voucher, now)
    return {
        "card": card,
        "shown": shown,
        "qr": qr_svg(_redeem_link(shown.code)),
        "seconds_left": max(1, math.ceil((shown.valid_until - now).total_seconds())),
    }


def _redeem_link(code: str) -> str:
    """Where a scan of the ticket takes the staff or partner: their redeem page with the code."""
    return public_url("redeem.scan", code=code)


# --- for templates ---


# A global rather than a context processor: the home page asks only when it shows the card.
@bp.app_template_global()
def klip_for(user: User) -> queries.Wallet:
    """The young person's klip for the home card: one query."""
    return queries.wallet_of(get_session(), user.id, utcnow())


@bp.app_template_global()
def offer_category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)
