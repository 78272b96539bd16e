"""The wallet page, which the service worker keeps for offline use, and "forget this phone"."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from hub.accounts import login_throttle
from hub.accounts.logins import can_remember, end_login
from hub.db import get_session, utcnow
from hub.htmx import hx_redirect, render
from hub.notifications import devices
from hub.wallet import contents, keep

bp = Blueprint("wallet", __name__)
bp.after_app_request(keep.mark)  # tells the service worker what it may keep, and until when


@bp.route("/wallet")
@login_required
def show():
    wallet = contents.build(
        get_session(),
        user=current_user,
        now=utcnow(),
        kept_until=keep.keep_until(),
        address=current_app.config["HUB_ADDRESS"],
    )
    # Browsers keep no copy: like every logged-in page (and the plan) it goes out "no-store"
    # (hub/security.py); only the service worker keeps one, on purpose, until the time in its
    # X-Ungehub-Keep-Until header (hub/wallet/keep.py), and drops it on logout.
    return render(
        "wallet/page.html",
        wallet=wallet,
        week=_week(wallet),
        lines=contents.crisis_rows(wallet),
        may_keep_longer=can_remember(current_user) and not g.login.remember,
    )


def _week(wallet: contents.Wallet) -> list[dict]:
    names = get_locale().days["format"]["wide"]
    return [{"day": names[day], "span": wallet.week.get(day)} for day in range(7)]


@bp.route("/wallet/forget", methods=["POST"])
@login_required
def forget_phone():
    """Log out here and end this phone's pushes; the page's script and the service worker
    clear what the phone keeps (the wallet, the plan copy, drafts, our local settings)."""
    db = get_session()
    devices.forget_login(db, current_user.get_id())
    end_login(db, current_user.get_id(), reason="forget_phone")
    logout_user()
    session.clear()
    flash(_("Ungehub has forgotten this phone. Log in again when you want."), "success")
    response = hx_redirect(url_for("accounts.login"))
    response.headers["Clear-Site-Data"] = '"cache"'
    return login_throttle.forget_device(response)
