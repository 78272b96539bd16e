"""Redeem a voucher at the door: staff and partner accounts type or scan the code.

The QR on a young person's voucher holds `/redeem?code=…`, so a phone camera opens this page
with the code already looked up. Looking changes nothing; only the button uses the voucher.
"""

from __future__ import annotations

import re

from flask import Blueprint, request, url_for
from flask_login import current_user

from hub.accounts.auth import roles_required
from hub.accounts.models import Role
from hub.credits import staff_queries, vouchers
from hub.db import get_session
from hub.errors import DomainError
from hub.htmx import hx_redirect, render

bp = Blueprint("redeem", __name__, url_prefix="/redeem")

REDEEMERS = (Role.STAFF, Role.PARTNER)


def _code(raw: str | None) -> str:
    """The typed code. A phone's number pad has no dash, so bare digits get it back."""
    code = (raw or "").strip()[:40]
    if re.fullmatch(r"\d{7,15}", code):
        code = f"{code[: -vouchers.DIGITS]}-{code[-vouchers.DIGITS :]}"
    return code


def _page(code: str = "", *, error: DomainError | None = None, just_used=None):
    """The scan page: the code looked up (if any and no error), or what went wrong."""
    found = None
    if code and error is None:
        try:
            voucher, offer, owner = vouchers.look_up(get_session(), actor=current_user, code=code)
        except DomainError as failed:
            error = failed
        else:
            found = {"voucher": voucher, "offer": offer, "first_name": owner.display_name}
    context = {
        "code": code,
        "found": found,
        "error": error.message if error else None,
        "error_code": error.code if error else None,
        "just_used": just_used,
        "typed": "" if found else code,  # a found code is on the button; the field is for the next
    }
    return render("redeem/scan.html", status=error.status if error else 200, **context)


@bp.route("")
@roles_required(*REDEEMERS)
def scan():
    just_used = staff_queries.redeemed_by_me(
        get_session(), actor=current_user, voucher_id=request.args.get("done", type=int)
    )
    return _page(_code(request.args.get("code")), just_used=just_used)


@bp.route("", methods=["POST"])
@roles_required(*REDEEMERS)
def use():
    code = _code(request.form.get("code"))
    try:
        voucher = vouchers.redeem(get_session(), actor=current_user, code=code)
    except DomainError as error:
        return _page(code, error=error)
    return hx_redirect(url_for(".scan", done=voucher.id))


@bp.route("/history")
@roles_required(*REDEEMERS)
def history():
    return render("redeem/history.html", redeemed=staff_queries.recent_redemptions(get_session(), actor=current_user))
