"""Files asked for from a page (CSV, zip, calendar, JSON, PDF) arrive as files; the page stays.

htmx boosts every link and form of the body: it fetches the answer and swaps it into the page.
Right for a page, wrong for a file: the page would turn into the file's bytes and no file would
arrive. So one rule for every answer that is not HTML, whatever made it: when htmx asked
(`HX-Request: true`) and the answer is a file, the file is kept for a moment in the database as
a *download ticket*, and htmx is told `204` with `HX-Redirect: /download/<token>`. The browser
then goes there on its own; that answer says `Content-Disposition: attachment`, so the browser
saves the file and the page stays as it was (static/js/app.js also lets go of the link or button).

- The file is made once, by the request that asked: an evaluator's export is new, with new codes,
  and recorded each time it is made, so it must not be made again to be fetched.
- In the database, not in memory: the browser's next request may reach another worker.
- Single-use: the ticket goes when it is fetched. Only by whoever asked for it (logged in as the
  same person, or not logged in if it was asked for without a login), within TICKET_LIFETIME.
  Only a hash of the token is kept. Expired tickets are swept whenever one is made, and a person
  has at most WAITING_PER_OWNER waiting (an older one gives way).
- Kept in the request's own transaction when the request writes (the export and its ticket are
  saved together, or neither is), in a short transaction of its own when the request only read.
- A file larger than DOWNLOAD_MAX_BYTES is not kept: a GET is sent to the same address again,
  where the browser fetches it without htmx (made twice, but never swapped into the page); a POST
  is refused with 413, and what it did is rolled back.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import secrets
from datetime import datetime, timedelta

from flask import Blueprint, Flask, Response, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import LargeBinary, delete
from sqlmodel import Field, Session, SQLModel, select

from hub.accounts.models import utc_column
from hub.db import get_session, job_session, utcnow, writes
from hub.errors import NotFound, render_error

TICKET_LIFETIME = timedelta(minutes=2)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # far more than any export or list the hub makes
WAITING_PER_OWNER = 5
TOKEN_BYTES = 32
PATH = "/download/"
NOT_FILES = frozenset({204, 205, 206})  # no content, or a part of one: nothing to save

bp = Blueprint("downloads", __name__)


class DownloadTicket(SQLModel, table=True):
    """A file made for someone, waiting a moment for their browser to fetch it, once."""

    __tablename__ = "download_ticket"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the token in the link
    owner_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="CASCADE")
    content_type: str = Field(max_length=200)
    disposition: str = Field(max_length=300)  # always `attachment; filename=…`
    body: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _owner_id() -> int | None:
    return current_user.id if current_user and current_user.is_authenticated else None


def _owned_by(owner_id: int | None):
    return DownloadTicket.owner_id.is_(None) if owner_id is None else DownloadTicket.owner_id == owner_id


# --- which answers are files ------------------------------------------------------------------------------


def is_file_for_htmx(response: Response) -> bool:
    """htmx asked, and the answer is a file it would swap into the page as text."""
    return (
        request.headers.get("HX-Request") == "true"
        and 200 <= response.status_code < 300
        and response.status_code not in NOT_FILES
        and (response.mimetype or "text/html") != "text/html"
    )


SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(disposition: str | None, mimetype: str | None) -> str:
    """The answer's Content-Disposition as an attachment: its filename kept, or one made up."""
    if disposition:
        kind, _sep, rest = disposition.partition(";")
        header = "attachment" + (";" + rest if rest.strip() else "")
        if kind.strip().lower() in ("attachment", "inline") and len(header) <= 300 and "filename" in rest:
            return header
    name = SAFE_NAME.sub("", request.path.rstrip("/").rsplit("/", 1)[-1])[:80]
    if "." not in name.strip("."):
        name = "ungehub" + (mimetypes.guess_extension(mimetype or "") or "")
    return f'attachment; filename="{name}"'


def _read(response: Response, limit: int) -> bytes | None:
    """The whole body, or None when it is larger than `limit` (without reading all of it)."""
    chunks, size = [], 0
    try:
        if response.content_length is not None and response.content_length > limit:
            return None
        for chunk in response.iter_encoded():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)


# --- tickets ------------------------------------------------------------------------------------------------


def _sweep(session: Session, owner_id: int | None, now: datetime) -> None:
    """Expired tickets go; so do the owner's oldest, past WAITING_PER_OWNER - 1 (one is coming)."""
    session.exec(delete(DownloadTicket).where(DownloadTicket.expires_at <= now))
    newest = (
        select(DownloadTicket.id)
        .where(_owned_by(owner_id))
        .order_by(DownloadTicket.id.desc())
        .limit(WAITING_PER_OWNER - 1)
    )
    session.exec(delete(DownloadTicket).where(_owned_by(owner_id), DownloadTicket.id.not_in(newest)))


def _store(ticket: DownloadTicket, now: datetime) -> None:
    """Into the request's transaction when it writes; else in a short one of its own.

    A request that writes holds the write lock on SQLite (BEGIN IMMEDIATE): a second writer would
    wait for it forever. A request that only read has no lock that a short write would wait for.
    """
    session = g.get("db_session")
    if session is not None and session.get_bind().get_execution_options().get("hub_write"):
        _sweep(session, ticket.owner_id, now)
        session.add(ticket)
        session.flush()
        return
    with job_session() as own:
        _sweep(own, ticket.owner_id, now)
        own.add(ticket)


def hand_over(response: Response) -> Response:
    """The file kept as a ticket; htmx told to let the browser fetch it (204 + HX-Redirect)."""
    body = _read(response, int(current_app.config.get("DOWNLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)))
    if body is None:
        current_app.logger.warning("download of %s too large to hand over through htmx", request.endpoint)
        if request.method == "GET":
            answer = current_app.response_class(status=204)
            answer.headers["HX-Redirect"] = request.full_path.rstrip("?")
            return answer
        return render_error(413, _("The file is too large to download here. Ask an administrator for help."))
    now, token = utcnow(), secrets.token_urlsafe(TOKEN_BYTES)
    _store(
        DownloadTicket(
            token_hash=_hash(token),
            owner_id=_owner_id(),
            content_type=(response.content_type or "application/octet-stream")[:200],
            disposition=attachment(response.headers.get("Content-Disposition"), response.mimetype),
            body=body,
            created_at=now,
            expires_at=now + TICKET_LIFETIME,
        ),
        now,
    )
    answer = current_app.response_class(status=204)
    answer.headers["HX-Redirect"] = url_for("downloads.fetch", token=token)
    answer.headers["Cache-Control"] = "no-store"
    return answer


# --- fetching one --------------------------------------------------------------------------------------------


def _gone() -> NotFound:
    return NotFound(
        "download_gone",
        _(
            "This download is no longer here: a download link works once, for a couple of minutes. "
            "Go back and download the file again."
        ),
    )


@bp.route(PATH + "<token>")
@writes
def fetch(token: str):
    """The file, once, to whoever asked for it; then the ticket is gone."""
    db, now, owner_id = get_session(), utcnow(), _owner_id()
    if len(token) > 100:
        raise _gone()
    ticket = db.exec(select(DownloadTicket).where(DownloadTicket.token_hash == _hash(token))).first()
    if ticket is None or ticket.owner_id != owner_id or ticket.expires_at <= now:
        raise _gone()
    # Taken by this request, or by another a moment before it: then not by this one.
    taken = db.exec(delete(DownloadTicket).where(DownloadTicket.id == ticket.id, _owned_by(owner_id))).rowcount
    if taken != 1:
        raise _gone()
    response = current_app.response_class(ticket.body, content_type=ticket.content_type)
    response.headers["Content-Disposition"] = ticket.disposition
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    """After htmx's hook is registered, so this runs first (Flask runs them in reverse) and before
    the request commits (hub/db.py registered its hook earlier still)."""
    app.register_blueprint(bp)

    @app.after_request
    def files_are_downloaded(response: Response) -> Response:
        return hand_over(response) if is_file_for_htmx(response) else response
