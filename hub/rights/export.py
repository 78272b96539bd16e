"""Download my data: every row about a person as JSON, and a readable summary of it.

The JSON is built from the models (see tables.py), so a new table is in it without anyone
remembering to add it. What is left out is left out on purpose, and listed in the file:
secrets (password and token hashes), and other people's private words (staff's internal notes,
check-in notes not shared with the person). Other people appear by their first name only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.rights.tables import PEOPLE_TABLE, Tie, person_columns, rows_about

FORMAT = "ungehub-export/1"

# table → column → why it is left out.
LEFT_OUT_COLUMNS: dict[str, dict[str, str]] = {
    "user_account": {"password_hash": "a one-way scramble of your password: no use to you, and safer not copied"},
    "user_session": {"token_hash": "the secret of a login"},
    "passkey": {
        "credential_id": "your passkey's technical name, known only to your phone and Ungehub",
        "public_key": "your passkey's public half: no use without your phone",
        "user_handle": "the technical name your phone keeps for your account",
    },
    "passkey_challenge": {"challenge_hash": "a one-time technical check, used when you log in with a passkey"},
    "totp_secret": {"secret": "the key your authenticator app makes codes from: a copy would let others make them"},
    "recovery_code": {"code_hash": "a one-way scramble of a recovery code"},
    "account_token": {"token_hash": "the secret of an invitation or password link"},
    "calendar_feed": {"token_hash": "the secret of your calendar address"},
    "voucher": {"qr_secret": "the secret behind a voucher's code"},
    "push_subscription": {
        "endpoint": "your phone's secret push address",
        "p256dh": "your phone's push key",
        "auth": "your phone's push key",
    },
    "booking": {"ticket_code": "the code in your ticket: show the ticket in the app"},
    "message": {"client_key": "a technical key that stops a message being sent twice"},
    "klip_entry": {"idempotency_key": "a technical key that stops klip being given twice"},
    "notification": {"dedupe_key": "a technical key that stops a reminder being made twice"},
    "download_ticket": {
        "token_hash": "the secret of a download link",
        "body": "the file itself, kept a minute or two until your browser fetched it: you have it already",
    },
    # The evaluation's risk category is the staff's own judgement, for staff only.
    "evaluation_status": {"risk": "the staff's own assessment, for the staff only"},
}

LEFT_OUT_ROWS = {
    "message": "internal notes: what staff write to each other about a conversation",
    "checkin": "the note of a check-in, when the person who wrote it did not share it with you",
}


def _visible(table: str, row: dict, person_id: int) -> dict | None:
    """The row as this person may have it: None to leave it out, or with words taken out."""
    if table == "message" and row.get("internal") and row.get("author_id") != person_id:
        return None
    if table == "checkin" and not row.get("note_shared") and row.get("by_id") != person_id:
        row = {key: value for key, value in row.items() if key != "note"}
    return row


def _json_value(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def to_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, default=_json_value)


def names_of(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {user.id: user.display_name for user in session.exec(select(User).where(User.id.in_(sorted(ids))))}


def collect(session: Session, person: User) -> dict[str, list[dict]]:
    """Every row about the person, per table, as they may have it: other people by first name."""
    keys = {table: {column.name for column in columns} for table, columns in person_columns().items()}
    found = rows_about(session, person.id)
    others: set[int] = set()
    visible: dict[str, list[dict]] = {}
    for name, rows in found.items():
        people = keys.get(name, set())
        kept = []
        for row, _tie in rows:
            row = _visible(name, row, person.id)
            if row is None:
                continue
            others.update(row[column] for column in people if row.get(column) not in (None, person.id))
            kept.append(row)
        if kept:
            visible[name] = kept
    names = names_of(session, others)
    tables: dict[str, list[dict]] = {}
    for name, rows in visible.items():
        people = keys.get(name, set())
        left_out = LEFT_OUT_COLUMNS.get(name, {})
        tables[name] = [
            {
                column: _person(value, person.id, names) if column in people else value
                for column, value in row.items()
                if column not in left_out
            }
            for row in rows
        ]
    return tables


def _person(value, person_id: int, names: dict[int, str]):
    """Your own id stays; anyone else is their first name, never their id, e-mail or phone."""
    if value is None or value == person_id:
        return value
    return names.get(value, str(_l("someone")))


def export_document(session: Session, person: User) -> dict:
    """The whole download: what it is, what was left out and why, and the rows."""
    return {
        "format": FORMAT,
        "generated_at": utcnow(),
        "person_id": person.id,
        "about": (
            "Everything Ungehub keeps about you, table by table, as it is stored. Times are in UTC. "
            "Where a row names someone else, you see their first name instead of their id."
        ),
        "left_out": {
            **{
                f"{table}.{column}": why
                for table, columns in LEFT_OUT_COLUMNS.items()
                for column, why in columns.items()
            },
            **{f"{table} rows": why for table, why in LEFT_OUT_ROWS.items()},
        },
        "tables": collect(session, person),
    }


# --- the readable summary ---------------------------------------------------------------------


def summary(session: Session, person: User, tables: dict[str, list[dict]] | None = None) -> dict:
    """What the printable page shows, built from the same rows as the JSON (so it never shows
    more than the download holds), with the names of the events, offers and options looked up."""
    from hub.credits.models import Offer
    from hub.events.models import Event
    from hub.support.models import SupportOption

    tables = collect(session, person) if tables is None else tables

    def rows(name: str, key: Callable[[dict], object] | None = None, reverse: bool = False) -> list[dict]:
        found = list(tables.get(name, []))
        return sorted(found, key=key, reverse=reverse) if key else found

    def lookup(model, ids) -> dict:
        ids = sorted({i for i in ids if i is not None})
        return {row.id: row for row in session.exec(select(model).where(model.id.in_(ids)))} if ids else {}

    goals = rows("plan_goal", key=lambda g: (g["area"], g["position"], g["id"]))
    steps_of: dict[int, list[dict]] = {}
    for step in rows("plan_step", key=lambda s: (s["position"], s["id"])):
        steps_of.setdefault(step["goal_id"], []).append(step)
    bookings = rows("booking", key=lambda b: b["created_at"], reverse=True)
    events = lookup(Event, (b["event_id"] for b in bookings))
    vouchers = rows("voucher", key=lambda v: v["created_at"], reverse=True)
    offers = lookup(Offer, (v["offer_id"] for v in vouchers))
    items = rows("support_item", key=lambda i: i["requested_at"], reverse=True)
    options = lookup(SupportOption, (i["option_id"] for i in items))
    entries = rows("klip_entry", key=lambda e: (e["created_at"], e["id"]))
    conversations = rows("conversation", key=lambda c: c["last_message_at"], reverse=True)
    messages_of: dict[int, list[dict]] = {}
    for message in rows("message", key=lambda m: (m["created_at"], m["id"])):
        messages_of.setdefault(message["conversation_id"], []).append(message)
    links = [link for link in rows("support_link", key=lambda k: k["started_at"]) if link["young_id"] == person.id]
    return {
        "person": (tables.get(PEOPLE_TABLE) or [{}])[0],
        "plan": (tables.get("plan") or [None])[0],
        "goals": [{**goal, "steps": steps_of.get(goal["id"], [])} for goal in goals],
        "reached": [goal for goal in goals if goal["status"] == "done"],
        "bookings": [{**b, "event": events.get(b["event_id"])} for b in bookings],
        "klip": entries,
        "klip_balance": sum(entry["amount"] for entry in entries),
        "vouchers": [{**v, "offer": offers.get(v["offer_id"])} for v in vouchers],
        "circle": links,
        "support_items": [{**i, "option": options.get(i["option_id"])} for i in items],
        "conversations": [{**c, "messages": messages_of.get(c["id"], [])} for c in conversations],
        "checkins": rows("checkin", key=lambda c: c["happened_on"], reverse=True),
        "wellbeing": rows("wellbeing", key=lambda w: w["at"], reverse=True),
        "proposals": rows("proposal", key=lambda p: p["created_at"], reverse=True),
        "counts": {name: len(found) for name, found in sorted(tables.items())},
    }


def own_row_count(session: Session, person: User) -> int:
    """How many rows are the person's own (for the staff's confirm page: what will go)."""
    return sum(1 for rows in rows_about(session, person.id).values() for _row, tie in rows if tie == Tie.OWN)


def summary_labels() -> dict[str, dict]:
    """Words for the stored codes, for the readable page."""
    from hub.accounts.models import SUPPORT_TYPE_LABELS
    from hub.checkins.models import CONTACT_WAY_LABELS, HOW_IT_WENT_LABELS
    from hub.credits.models import EntryKind
    from hub.events.models import BookingStatus
    from hub.messages.models import TOPIC_LABELS
    from hub.plans.models import GOAL_STATUS_LABELS, LIFE_AREA_LABELS
    from hub.support.menu import STATUS_LABELS as ITEM_STATUS_LABELS

    return {
        "area": LIFE_AREA_LABELS,
        "goal_status": GOAL_STATUS_LABELS,
        "booking": {
            BookingStatus.CONFIRMED: _l("You had a place"),
            BookingStatus.WAITLISTED: _l("On the waitlist"),
            BookingStatus.OFFERED: _l("Offered a place"),
            BookingStatus.CANCELLED: _l("You released it"),
            BookingStatus.EXPIRED: _l("Ran out"),
            BookingStatus.EVENT_CANCELLED: _l("The event was cancelled"),
        },
        "klip": {
            EntryKind.GRANT: _l("Given"),
            EntryKind.SPEND: _l("Spent"),
            EntryKind.REFUND: _l("Given back"),
            EntryKind.EXPIRY: _l("Ran out"),
            EntryKind.CORRECTION: _l("Correction"),
        },
        "way": CONTACT_WAY_LABELS,
        "went": HOW_IT_WENT_LABELS,
        "topic": TOPIC_LABELS,
        "item": ITEM_STATUS_LABELS,
        "support_type": SUPPORT_TYPE_LABELS,
    }
