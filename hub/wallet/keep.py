"""What the service worker (static/sw.js) may keep of a logged-in person, and until when.

Two headers, read by the worker:
- KEEP_UNTIL, on the pages the phone keeps for offline use (the worker's PRIVATE_PAGES, here
  KEPT_PAGES): until when its copy may be shown with no connection. Past it the worker drops
  the copy and shows the plain offline page.
- LOGIN, on every answer but static files: an opaque name for the login that asked, or "none".
  When it differs from the login the copies were made in (logged out, or someone else logged
  in), the worker drops every copy.

Until when: never after the login would end if the person did nothing more (its idle timeout,
capped by its absolute lifetime), and never more than OFFLINE_KEEP_SECONDS after the copy was
made. Offline, the worker cannot tell the person from whoever picks up the phone next, and
using the app offline does not keep the login alive either; so the copy lives exactly as long
as the login would online. For a young person who did not ask to stay logged in that is 30
minutes after their last use: a shared phone shows the next person nothing of theirs, online or
offline. Who ticks "Keep me logged in on this phone" says the phone is theirs; their login
lasts weeks, and the copy OFFLINE_KEEP_SECONDS (12 hours): a day out, loaded in the morning and
shown at the door in the evening, while a lost phone stops showing it by the next morning.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from flask import Response, current_app, g, request
from flask_login import current_user

from hub.accounts import logins
from hub.db import utcnow

KEEP_UNTIL = "X-Ungehub-Keep-Until"
LOGIN = "X-Ungehub-Login"
NOBODY = "none"
KEPT_PAGES = {"wallet.show", "plans.mine"}  # /wallet and /plan, as PRIVATE_PAGES in sw.js


def keep_until() -> datetime:
    """Until when the phone may show the page of this request offline (one answer per request)."""
    if "keep_until" not in g:
        now = utcnow()
        limit = now + timedelta(seconds=current_app.config["OFFLINE_KEEP_SECONDS"])
        g.keep_until = min(logins.ends_at(g.login, current_user, now), limit)
    return g.keep_until


def login_name() -> str:
    """The worker's name for the login asking: it tells logins apart and nothing else."""
    if not current_user.is_authenticated:
        return NOBODY
    return hashlib.sha256(f"offline-copies:{current_user.get_id()}".encode()).hexdigest()[:16]


def mark(response: Response) -> Response:
    """After every request (registered by the wallet's blueprint)."""
    if request.endpoint == "static":
        return response
    response.headers[LOGIN] = login_name()
    if request.endpoint in KEPT_PAGES and response.status_code == 200 and "login" in g:
        response.headers[KEEP_UNTIL] = keep_until().astimezone(UTC).isoformat(timespec="seconds")
    return response
