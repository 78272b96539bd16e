"""Demo data for the support menu: Sara's support going up, down and pausing over a year,
Amina waiting for a mentor, and Mads, who stepped away after a no and can come back."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.support.models import (
    ChangeKind,
    ItemStatus,
    OptionKind,
    SupportChange,
    SupportItem,
    SupportOption,
)

# The migration seeds these four; a database built without it (tests) gets them here.
SEED = {
    OptionKind.KLIP: ("Klippekort til fritid", "Klippekort for leisure"),
    OptionKind.CONTACT_PERSON: ("Støttekontaktperson uden ventetid", "A support contact person with no waiting time"),
    OptionKind.DIGITAL_CONTACT: ("Digital kontakt med din sagsbehandler", "Digital contact with your caseworker"),
    OptionKind.MENTOR: ("Frivillig mentor", "A volunteer mentor"),
}


def _option(session: Session, kind: OptionKind) -> SupportOption:
    option = session.exec(select(SupportOption).where(SupportOption.kind == kind).order_by(SupportOption.id)).first()
    if option is None:
        name, name_en = SEED[kind]
        option = SupportOption(kind=kind, name=name, name_en=name_en, position=list(SEED).index(kind) + 1)
        session.add(option)
        session.flush()
    return option


def _item(session: Session, young: User, option: SupportOption, asked_days_ago: int, wish: str = "") -> SupportItem:
    at = utcnow() - timedelta(days=asked_days_ago)
    item = SupportItem(young_id=young.id, option_id=option.id, wish=wish, requested_at=at, updated_at=at)
    session.add(item)
    session.flush()
    _change(session, young, ChangeKind.REQUESTED, asked_days_ago, by=young, item=item, reason=wish)
    return item


def _change(session: Session, young: User, kind: ChangeKind, days_ago: int, *, by: User, item=None, **fields):
    at = utcnow() - timedelta(days=days_ago)
    session.add(
        SupportChange(
            young_id=young.id,
            kind=kind,
            at=at,
            by_id=by.id,
            item_id=item.id if item else None,
            option_id=item.option_id if item else None,
            **fields,
        )
    )
    if item is not None:
        item.updated_at = at


def load(session: Session, by_login: dict[str, User]) -> None:
    sara, amina, mads = by_login["ung"], by_login["amina"], by_login["mads"]
    staff, caseworker = by_login["personale"], by_login["sagsbehandler"]

    # Sara: klip for 14 months, a little at first, then more; a pause one summer.
    klip = _item(session, sara, _option(session, OptionKind.KLIP), 430, "Jeg vil gerne starte til klatring igen.")
    klip.status, klip.level = ItemStatus.ACTIVE, 2
    _change(session, sara, ChangeKind.ACTIVATED, 425, by=staff, item=klip, level_after=1)
    _change(
        session,
        sara,
        ChangeKind.SCALED_UP,
        300,
        by=staff,
        item=klip,
        level_before=1,
        level_after=2,
        reason="Sara går til klatring to gange om ugen nu og vil gerne prøve et kursus.",
    )
    _change(
        session,
        sara,
        ChangeKind.PAUSED,
        160,
        by=staff,
        item=klip,
        level_before=2,
        level_after=2,
        reason="Sommerjob i Skagen hele sommeren.",
    )
    _change(session, sara, ChangeKind.RESUMED, 110, by=staff, item=klip, level_before=2, level_after=2)

    contact = _item(session, sara, _option(session, OptionKind.CONTACT_PERSON), 200, "En jeg kan ringe til om aftenen.")
    contact.status, contact.level = ItemStatus.ACTIVE, 2
    _change(session, sara, ChangeKind.ACTIVATED, 195, by=staff, item=contact, level_after=2)

    digital = _item(
        session, sara, _option(session, OptionKind.DIGITAL_CONTACT), 70, "Så jeg ikke skal til møde hver gang."
    )
    digital.status, digital.level = ItemStatus.ACTIVE, 1
    digital.agreed_on = (utcnow() - timedelta(days=61)).date()
    digital.agreed_with_id = caseworker.id
    _change(session, sara, ChangeKind.ACTIVATED, 60, by=staff, item=digital, level_after=1)

    # Amina: asked for a volunteer mentor a few days ago, in her own words.
    _item(
        session,
        amina,
        _option(session, OptionKind.MENTOR),
        4,
        "Jeg vil gerne have en at gå i byen med, som ikke er fra kommunen. Gerne en der også taler arabisk.",
    )

    # Mads: asked for a contact person, got a no for now, and stepped away three months ago.
    asked = _item(session, mads, _option(session, OptionKind.CONTACT_PERSON), 110, "Nogen der kan hjælpe med post.")
    asked.status = ItemStatus.DECLINED
    asked.note = "Lige nu har du Jonas i huben hver tirsdag. Lad os tale om det igen efter nytår."
    _change(session, mads, ChangeKind.DECLINED, 100, by=staff, item=asked, reason=asked.note)
    mads.left_at = utcnow() - timedelta(days=91)
    _change(session, mads, ChangeKind.LEFT, 91, by=mads)
    session.flush()
