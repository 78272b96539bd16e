"""The audit log in words: "Louise Holm activated Sara Nielsen's support option 'Mentor'".

An entry stores codes (area, read or change, a detail such as "support.activate", an object id);
admins read a sentence. One table maps each code the app writes to a sentence; a read is told by
its area. A code this table does not know still reads as a sentence, from its area.
Placeholders: %(actor)s who did it, %(young)s the young person, %(whose)s the young person as an
owner ("Saras", "Sara's"), %(thing)s what it was about (an option, an event, an offer, a name).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlmodel import Session, select

from hub.audit.models import AREA_NAMES, Action, Area, AuditEntry
from hub.core.wording import localized, possessive


@dataclass(frozen=True)
class Sentence:
    text: object  # a lazy string with the placeholders
    thing: str | None = None  # what kind of object the entry's object_id names, if the sentence shows it
    plain: object | None = None  # the sentence without %(thing)s, for an object that is gone


# A change, by the detail code the app writes (see the callers of hub.audit.services.record_change).
CHANGES: dict[str, Sentence] = {
    "plan.comment": Sentence(_l("%(actor)s commented on a goal in %(whose)s plan")),
    "plan.suggest": Sentence(_l("%(actor)s suggested something for %(whose)s plan")),
    "checkin.log": Sentence(_l("%(actor)s wrote down a check-in with %(young)s")),
    "rights.erase": Sentence(_l("%(actor)s deleted %(whose)s account, as they asked")),
    "rights.decline": Sentence(_l("%(actor)s said no to %(whose)s request to delete their account")),
    "booking.check_in": Sentence(
        _l("%(actor)s checked %(young)s in at “%(thing)s”"), "booking", _l("%(actor)s checked %(young)s in")
    ),
    "booking.undo_check_in": Sentence(
        _l("%(actor)s undid %(whose)s check-in at “%(thing)s”"), "booking", _l("%(actor)s undid %(whose)s check-in")
    ),
    "booking.walk_in": Sentence(
        _l("%(actor)s let %(young)s in at “%(thing)s” without a booking"),
        "booking",
        _l("%(actor)s let %(young)s in at an event without a booking"),
    ),
    "booking.companion": Sentence(
        _l("%(actor)s found someone to go with %(young)s to “%(thing)s”"),
        "booking",
        _l("%(actor)s found someone to go with %(young)s to an event"),
    ),
    "account.reset_link": Sentence(_l("%(actor)s made a link for %(young)s to set a new password")),
    "account.trial_in": Sentence(_l("%(actor)s enrolled %(young)s in the trial")),
    "account.trial_out": Sentence(_l("%(actor)s took %(young)s out of the trial")),
    "account.closed": Sentence(_l("%(actor)s closed %(whose)s account")),
    "account.opened": Sentence(_l("%(actor)s opened %(whose)s account again")),
    "account.sessions_ended": Sentence(_l("%(actor)s logged %(young)s out on every device")),
    "support.nominee_invited": Sentence(
        _l("%(actor)s invited %(thing)s into %(whose)s support circle"),
        "nomination",
        _l("%(actor)s invited someone into %(whose)s support circle"),
    ),
    "support.nominee_declined": Sentence(
        _l("%(actor)s said no to %(thing)s joining %(whose)s support circle"),
        "nomination",
        _l("%(actor)s said no to someone joining %(whose)s support circle"),
    ),
    "support.left": Sentence(_l("%(actor)s noted that %(young)s has stepped away from support")),
    "support.returned": Sentence(_l("%(actor)s noted that %(young)s is back")),
    "support.activate": Sentence(
        _l("%(actor)s activated %(whose)s support option “%(thing)s”"),
        "support_item",
        _l("%(actor)s activated a support option of %(whose)s"),
    ),
    "support.adjust": Sentence(
        _l("%(actor)s changed the level of %(whose)s support option “%(thing)s”"),
        "support_item",
        _l("%(actor)s changed the level of a support option of %(whose)s"),
    ),
    "support.decline": Sentence(
        _l("%(actor)s said no to %(whose)s request for “%(thing)s”"),
        "support_item",
        _l("%(actor)s said no to a support request of %(whose)s"),
    ),
    "support.pause": Sentence(
        _l("%(actor)s paused %(whose)s support option “%(thing)s”"),
        "support_item",
        _l("%(actor)s paused a support option of %(whose)s"),
    ),
    "support.resume": Sentence(
        _l("%(actor)s started %(whose)s support option “%(thing)s” again"),
        "support_item",
        _l("%(actor)s started a support option of %(whose)s again"),
    ),
    "support.end": Sentence(
        _l("%(actor)s ended %(whose)s support option “%(thing)s”"),
        "support_item",
        _l("%(actor)s ended a support option of %(whose)s"),
    ),
    "klip.grant": Sentence(_l("%(actor)s gave %(young)s klip")),
    "klip.correct": Sentence(_l("%(actor)s corrected %(whose)s klip")),
    "klip.give_back": Sentence(
        _l("%(actor)s gave back %(whose)s voucher for “%(thing)s”"),
        "voucher",
        _l("%(actor)s gave back a voucher of %(whose)s"),
    ),
}

# A read, by area.
READS: dict[str, Sentence] = {
    Area.PLAN: Sentence(_l("%(actor)s read %(whose)s plan")),
    Area.BOOKINGS: Sentence(
        _l("%(actor)s looked at %(whose)s booking for “%(thing)s”"),
        "booking",
        _l("%(actor)s looked at %(whose)s bookings"),
    ),
    Area.WELLBEING: Sentence(_l("%(actor)s looked at %(whose)s wellbeing check-ins")),
    Area.KLIP: Sentence(_l("%(actor)s looked at %(whose)s klippekort")),
    Area.CHECKINS: Sentence(_l("%(actor)s read the check-ins with %(young)s")),
    Area.MESSAGES: Sentence(_l("%(actor)s read a conversation with %(young)s")),
    Area.PROFILE: Sentence(_l("%(actor)s looked at %(whose)s account")),
    Area.SUPPORT: Sentence(_l("%(actor)s looked at %(whose)s support")),
    Area.EVALUATION: Sentence(_l("%(actor)s looked at %(whose)s answers for the trial")),
}

# A change with a code this table does not know (yet): still a sentence, by its area.
OTHER_CHANGE = _l("%(actor)s changed something in %(whose)s things (%(area)s)")
OTHER_READ = _l("%(actor)s looked at %(whose)s things (%(area)s)")


def sentence_for(entry: AuditEntry) -> Sentence | None:
    """The table's sentence for an entry; None when its code is not in the table."""
    if entry.action == Action.CHANGE:
        return CHANGES.get(entry.detail)
    return READS.get(entry.area)


# --- what the objects are called ------------------------------------------------------------------


def _booking_titles(session: Session, ids: set[int]) -> dict[int, str]:
    from hub.events.models import Booking, Event

    rows = session.exec(select(Booking.id, Event).join(Event, Event.id == Booking.event_id).where(Booking.id.in_(ids)))
    return {booking_id: localized(event, "title") for booking_id, event in rows}


def _voucher_titles(session: Session, ids: set[int]) -> dict[int, str]:
    from hub.credits.models import Offer, Voucher

    rows = session.exec(select(Voucher.id, Offer).join(Offer, Offer.id == Voucher.offer_id).where(Voucher.id.in_(ids)))
    return {voucher_id: localized(offer, "title") for voucher_id, offer in rows}


def _item_names(session: Session, ids: set[int]) -> dict[int, str]:
    from hub.support.menu import option_name
    from hub.support.models import SupportItem, SupportOption

    rows = session.exec(
        select(SupportItem.id, SupportOption)
        .join(SupportOption, SupportOption.id == SupportItem.option_id)
        .where(SupportItem.id.in_(ids))
    )
    return {item_id: option_name(option) for item_id, option in rows}


def _nominee_names(session: Session, ids: set[int]) -> dict[int, str]:
    from hub.support.models import Nomination

    return dict(session.exec(select(Nomination.id, Nomination.name).where(Nomination.id.in_(ids))).all())


NAMERS = {
    "booking": _booking_titles,
    "voucher": _voucher_titles,
    "support_item": _item_names,
    "nomination": _nominee_names,
}


def things_for(session: Session, entries: Iterable[AuditEntry]) -> dict[tuple[str, int], str]:
    """What the entries' objects are called, one query per kind of object."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        found = sentence_for(entry)
        if found and found.thing and entry.object_id is not None:
            wanted.setdefault(found.thing, set()).add(entry.object_id)
    names: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        names.update({(kind, ident): name for ident, name in NAMERS[kind](session, ids).items()})
    return names


def thing_of(entry: AuditEntry, things: dict[tuple[str, int], str]) -> str | None:
    found = sentence_for(entry)
    if not found or not found.thing or entry.object_id is None:
        return None
    return things.get((found.thing, entry.object_id))


# --- the sentence --------------------------------------------------------------------------------


def _template(entry: AuditEntry, thing: str | None) -> str:
    found = sentence_for(entry)
    if found is None:
        return str(OTHER_CHANGE if entry.action == Action.CHANGE else OTHER_READ)
    if found.thing and thing is None:
        return str(found.plain or found.text)
    return str(found.text)


def _gone() -> str:
    return str(_l("a deleted account"))


def describe(entry: AuditEntry, *, actor: str | None, young: str | None, thing: str | None = None) -> str:
    """The sentence as plain text (the CSV file): names as they are, nothing escaped."""
    young_name = young or _gone()
    values = {
        "actor": actor or str(_l("A deleted account")),
        "young": young_name,
        "whose": possessive(young_name),
        "thing": thing or "",
        "area": str(AREA_NAMES.get(entry.area, entry.area)),
    }
    return _template(entry, thing) % values


def describe_html(
    entry: AuditEntry, *, actor: str | None, young: str | None, thing: str | None, actor_url: str, young_url: str
) -> Markup:
    """The sentence for the page: the names link to everything that person did or had done."""
    young_name = young or _gone()

    def link(url: str, text: str) -> Markup:
        return Markup('<a href="{}">{}</a>').format(url, text)

    values = {
        "actor": link(actor_url, actor) if actor else escape(str(_l("A deleted account"))),
        "young": link(young_url, young_name) if young else escape(young_name),
        "whose": link(young_url, possessive(young_name)) if young else escape(possessive(young_name)),
        "thing": escape(thing or ""),
        "area": escape(str(AREA_NAMES.get(entry.area, entry.area))),
    }
    return escape(_template(entry, thing)) % values
