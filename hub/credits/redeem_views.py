"""Redeem a voucher at the door: staff and partner accounts type or scan the code.

The QR on a young person's voucher holds `/redeem?code=…`, so a phone camera opens this page
with the code already looked up. Looking changes nothing; only the button uses the voucher.
Every look-up and use is counted against guessing (hub.credits.redeem_throttle).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, request, url_for
from flask_login import current_user

from hub.accounts.auth import roles_required
from hub.accounts.models import Role
from hub.core.forms import arg_id
from hub.credits import redeem_throttle, staff_queries, vouchers
from hub.db import get_session
from hub.errors import DomainError, render_error
from hub.htmx import hx_redirect, render

bp = Blueprint("redeem", __name__, url_prefix="/redeem")

REDEEMERS = (Role.STAFF, Role.PARTNER)
T = TypeVar("T")


# A global: the field is on the scan page and on a partner's home page (hub.core.views).
@bp.app_template_global("voucher_code_field")
def code_field() -> dict:
    """The code field's example, length and pattern: the shape of the codes vouchers.py makes."""
    return {
        "code_example": vouchers.EXAMPLE_CODE,
        "code_max_length": vouchers.CODE_MAX_LENGTH,
        "code_pattern": vouchers.CODE_INPUT_PATTERN,
    }


def _code(raw: str | None) -> str:
    """The typed code. A phone's number pad has no dash, so bare digits get it back."""
    code = (raw or "").strip()[:40]
    if re.fullmatch(rf"\d{{{1 + vouchers.DIGITS},{vouchers.ID_DIGITS + vouchers.DIGITS}}}", code):
        code = f"{code[: -vouchers.DIGITS]}-{code[-vouchers.DIGITS :]}"
    return code


def _counted(service: Callable[..., T], code: str) -> T:
    """Look a code up or use it, counted: refused while a count is full; a code that does not
    work counts as a wrong one (an unreadable one says nothing about any voucher, so it does not)."""
    redeem_throttle.check(current_user)
    try:
        return service(get_session(), actor=current_user, code=code)
    except DomainError as error:
        if error.code != vouchers.UNREADABLE:
            redeem_throttle.count_wrong(current_user)
        raise


def _too_many(error: redeem_throttle.TooManyCodes):
    return render_error(429, error.message, retry_after=error.wait)


def _page(code: str = "", *, found: dict | None = None, error: DomainError | None = None, just_used=None):
    """The scan page: the code looked up (if any), or what went wrong."""
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
    just_used = staff_queries.redeemed_by_me(get_session(), actor=current_user, voucher_id=arg_id("done"))
    code = _code(request.args.get("code"))
    if not code:
        return _page(just_used=just_used)
    try:
        voucher, offer, owner = _counted(vouchers.look_up, code)
    except redeem_throttle.TooManyCodes as error:
        return _too_many(error)
    except DomainError as error:
        return _page(code, error=error, just_used=just_used)
    found = {"voucher": voucher, "offer": offer, "first_name": owner.display_name}
    return _page(code, found=found, just_used=just_used)


@bp.route("", methods=["POST"])
@roles_required(*REDEEMERS)
def use():
    code = _code(request.form.get("code"))
    try:
        voucher = _counted(vouchers.redeem, code)
    except redeem_throttle.TooManyCodes as error:
        return _too_many(error)
    except DomainError as error:
        return _page(code, error=error)
    return hx_redirect(url_for(".scan", done=voucher.id))


@bp.route("/history")
@roles_required(*REDEEMERS)
def history():
    return render("redeem/history.html", redeemed=staff_queries.recent_redemptions(get_session(), actor=current_user))
