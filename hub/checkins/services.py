"""Check-in rules: who sees a check-in, logging one, the young person's wellbeing entries and
what they share, and a volunteer mentor asking the staff for a talk.

`sight()` is the one rule for who sees a check-in and how much; every page asks it.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import IntEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.checkins.models import CheckIn, ContactWay, HowItWent, Wellbeing
from hub.db import utcnow
from hub.errors import Forbidden, Invalid, NotFound
from hub.notifications.services import notify
from hub.support import circle
from hub.support.models import SparringRequest, SupporterProfile, SupportLink

NOTE_MAX = 1000
WORDS_MAX = 280
SPARRING_MAX = 1000
FURTHEST_BACK = timedelta(days=365)
SCORES = range(1, 6)


# --- who sees a check-in ------------------------------------------------------------------------


class Sight(IntEnum):
    """How much of a check-in someone sees."""

    NONE = 0
    FACTS = 1  # that it happened: the date, how, how it went
    ALL = 2  # and the note, shared or private


def sight(viewer: User, checkin: CheckIn, *, case_side: bool) -> Sight:
    """THE rule for check-ins.

    The young person sees that it happened, and the note only when it was shared with them.
    Staff see everything, and so does the author. Professional support people in the circle
    (`case_side`, from `on_case_side`) see all of the young person's check-ins. Volunteer
    mentors and network people see only their own: never the case side's notes.
    """
    if viewer.id == checkin.young_id:
        return Sight.ALL if checkin.note_shared else Sight.FACTS
    if viewer.is_staff_member or viewer.id == checkin.by_id or case_side:
        return Sight.ALL
    return Sight.NONE


def on_case_side(session: Session, viewer: User, young_id: int) -> bool:
    """A professional support person in the young person's circle right now."""
    if not circle.is_professional(viewer):
        return False
    return circle.open_link(session, young_id=young_id, supporter_id=viewer.id) is not None


def may_log(session: Session, actor: User, young: User) -> bool:
    """Anyone in the young person's circle, and the staff, may log a check-in with them."""
    return young.is_young and circle.in_circle(session, actor, young.id)


# --- logging a check-in ----------------------------------------------------------------------


def log_checkin(
    session: Session,
    *,
    actor: User,
    young: User,
    today: date,
    happened_on: date | None,
    way: str,
    went: str,
    note: str = "",
    note_shared: bool = False,
    next_on: date | None = None,
) -> CheckIn:
    """Write down a contact with a young person, and when you agreed to be in touch next."""
    if not may_log(session, actor, young):
        raise NotFound("not_found", str(_l("We could not find that page")))
    if happened_on is None:
        raise Invalid("date_missing", str(_l("Write the date you were in touch.")))
    if happened_on > today:
        raise Invalid("date_in_future", str(_l("The date cannot be in the future.")))
    if happened_on < today - FURTHEST_BACK:
        raise Invalid("date_too_old", str(_l("The date can be at most a year back.")))
    if way not in {w.value for w in ContactWay}:
        raise Invalid("way_unknown", str(_l("Choose how you were in touch.")))
    if went not in {w.value for w in HowItWent}:
        raise Invalid("went_unknown", str(_l("Choose how it went.")))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid("note_too_long", str(_l("Keep the note under %(max)d characters.", max=NOTE_MAX)))
    if next_on is not None and next_on <= happened_on:
        raise Invalid("next_not_after", str(_l("The next check-in must be after the date of this one.")))
    checkin = CheckIn(
        young_id=young.id,
        by_id=actor.id,
        happened_on=happened_on,
        way=way,
        went=went,
        note=note,
        note_shared=bool(note_shared and note),
        next_on=next_on,
    )
    session.add(checkin)
    session.flush()
    if checkin.note_shared:
        notify(
            session,
            young,
            kind="checkin_note",
            title=_l("%(name)s wrote a few words after your talk", name=actor.display_name),
            body=note[:200],
            url="/support",
        )
    return checkin


# --- wellbeing ------------------------------------------------------------------------------


def _score(value: int | None, *, code: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value not in SCORES:
        raise Invalid(f"{code}_out_of_range", str(_l("Choose one of the five answers.")))
    return value


def add_wellbeing(session: Session, *, actor: User, mood: int, sleep: int, movement: int, words: str = "") -> Wellbeing:
    """Ten seconds: how are you. As often as the young person likes."""
    if not actor.is_young:
        raise Forbidden("only_young", str(_l("Only young people check in on how they are.")))
    words = (words or "").strip()
    if len(words) > WORDS_MAX:
        raise Invalid("words_too_long", str(_l("Keep it under %(max)d characters.", max=WORDS_MAX)))
    entry = Wellbeing(
        young_id=actor.id,
        mood=_score(mood, code="mood"),
        sleep=_score(sleep, code="sleep"),
        movement=_score(movement, code="movement"),
        words=words,
        at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def delete_wellbeing(session: Session, *, actor: User, entry: Wellbeing) -> None:
    if entry.young_id != actor.id:
        raise NotFound("not_found", str(_l("We could not find that page")))
    session.delete(entry)
    session.flush()


def set_wellbeing_sharing(session: Session, *, actor: User, link: SupportLink, share: bool) -> SupportLink:
    """The young person says whether this person in their circle sees their wellbeing check-ins."""
    # Lock the link: this page and the circle page may change it at the same moment.
    locked = session.exec(select(SupportLink).where(SupportLink.id == link.id).with_for_update()).first()
    if locked is None or locked.young_id != actor.id or locked.ended_at is not None:
        raise NotFound("not_found", str(_l("We could not find that page")))
    locked.see_wellbeing = share
    session.add(locked)
    session.flush()
    return locked


# --- volunteer mentors talk to the staff -------------------------------------------------------


def staff_contact_of(session: Session, mentor: User) -> User | None:
    profile = session.get(SupporterProfile, mentor.id)
    if profile is None or profile.staff_contact_id is None:
        return None
    contact = session.get(User, profile.staff_contact_id)
    return contact if contact is not None and contact.disabled_at is None else None


def active_staff(session: Session) -> list[User]:
    return list(
        session.exec(select(User).where(User.is_staff, User.disabled_at.is_(None)).order_by(User.name, User.id))
    )


def ask_sparring(session: Session, *, actor: User, text: str) -> SparringRequest:
    """A volunteer mentor asks for a talk; their staff contact is told, or all staff if none."""
    if not actor.is_mentor:
        raise Forbidden("only_mentors", str(_l("This is for volunteer mentors.")))
    text = (text or "").strip()
    if not text:
        raise Invalid("text_missing", str(_l("Write a few words about what you would like to talk about.")))
    if len(text) > SPARRING_MAX:
        raise Invalid("text_too_long", str(_l("Keep it under %(max)d characters.", max=SPARRING_MAX)))
    request = SparringRequest(mentor_id=actor.id, text=text, created_at=utcnow())
    session.add(request)
    session.flush()
    contact = staff_contact_of(session, actor)
    for person in [contact] if contact is not None else active_staff(session):
        notify(
            session,
            person,
            kind="sparring",
            title=_l("%(name)s would like to talk", name=actor.name),
            body=text[:200],
            url="/staff/support",
        )
    return request
