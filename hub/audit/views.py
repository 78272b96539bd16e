"""Admins search the audit log. Nobody changes or deletes it here: there is no route for that."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, request

from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.audit import search
from hub.audit.models import ACTION_NAMES, AREA_NAMES
from hub.core.export import csv_download, csv_text
from hub.db import get_session, utcnow
from hub.htmx import render

bp = Blueprint("audit", __name__)


def local_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


@bp.route("/admin/audit", endpoint="search")
@roles_required(Role.ADMIN)
def search_page():
    db, parsed = get_session(), search.parse(request.args)
    page = None if parsed.errors else search.search(db, parsed.filters, tz=local_tz())
    chosen = [
        (name, person)
        for name, ident in (("young_id", parsed.filters.young_id), ("actor_id", parsed.filters.actor_id))
        if ident is not None and (person := db.get(User, ident)) is not None
    ]
    return render(
        "audit/search.html",
        "audit/_results.html",
        status=422 if parsed.errors else 200,
        filters=parsed.filters,
        errors=parsed.errors,
        page=page,
        chosen=chosen,
        areas=list(AREA_NAMES.items()),
        actions=list(ACTION_NAMES.items()),
    )


@bp.route("/admin/audit.csv")
@roles_required(Role.ADMIN)
def export():
    parsed = search.parse(request.args)
    if parsed.errors:
        return search_page()
    rows = search.csv_rows(get_session(), parsed.filters, tz=local_tz())
    filename = f"ungehub-audit-{utcnow().astimezone(local_tz()):%Y-%m-%d}.csv"
    return csv_download(csv_text(search.CSV_COLUMNS, rows), filename)
