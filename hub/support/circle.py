"""Who may see what of a young person: the one place that answers it.

Every view that shows a young person's things to someone else asks here, and writes the look
to the audit log (hub.audit.services.record). The young person always sees their own; hub
staff see what the hub needs to help (not the wellbeing check-ins, which are shared person
by person); anyone else sees an area only while they are in the young person's circle and
the young person has said yes to that area.
"""

from __future__ import annotations

from sqlmodel import Session, select

from hub.accounts.models import SupportType, User
from hub.support.models import Area, SupportLink

# Professionals work on the case side; volunteers and network people never see case data.
PROFESSIONAL_TYPES = frozenset(
    {
        SupportType.CASEWORKER,
        SupportType.UU_VEJLEDER,
        SupportType.EDUCATION_CONSULTANT,
        SupportType.PAEDAGOG,
        SupportType.CONTACT_PERSON,
    }
)
MENTOR = "mentor"

# What someone may see when they join a circle, until the young person changes it.
# A person from the young person's own network sees nothing until allowed; nobody sees the
# support options (and how they were scaled) until the young person says so.
DEFAULT_SHARING = {
    "professional": {"see_plan": True, "see_bookings": True, "see_wellbeing": False, "see_klip": False},
    MENTOR: {"see_plan": True, "see_bookings": True, "see_wellbeing": False, "see_klip": False},
    SupportType.NETWORK: {"see_plan": False, "see_bookings": False, "see_wellbeing": False, "see_klip": False},
}
DEFAULT_SHARING = {group: {**areas, "see_support": False} for group, areas in DEFAULT_SHARING.items()}
DEFAULT_MESSAGING = {"professional": True, MENTOR: True, SupportType.NETWORK: False}

STAFF_AREAS = frozenset({Area.PLAN, Area.BOOKINGS, Area.KLIP, Area.SUPPORT})


def supporter_kind(user: User) -> str | None:
    """The kind of support person someone is: a SupportType value, "mentor", or None."""
    if user.support_type:
        return user.support_type
    if user.is_mentor:
        return MENTOR
    return None


def sharing_group(user: User) -> str:
    kind = supporter_kind(user)
    if kind in PROFESSIONAL_TYPES:
        return "professional"
    if kind == MENTOR:
        return MENTOR
    return SupportType.NETWORK


def default_sharing(user: User) -> dict[str, bool]:
    group = sharing_group(user)
    return {**DEFAULT_SHARING[group], "may_message": DEFAULT_MESSAGING[group]}


def is_professional(user: User) -> bool:
    return user.support_type in PROFESSIONAL_TYPES


def is_case_side(user: User) -> bool:
    """Staff and professional support people; never volunteers or network people."""
    return user.is_staff_member or is_professional(user)


def open_link(session: Session, *, young_id: int, supporter_id: int) -> SupportLink | None:
    return session.exec(
        select(SupportLink).where(
            SupportLink.young_id == young_id,
            SupportLink.supporter_id == supporter_id,
            SupportLink.ended_at.is_(None),
        )
    ).first()


def open_links(session: Session, *, young_id: int) -> list[SupportLink]:
    """The young person's circle today, primary first."""
    return list(
        session.exec(
            select(SupportLink)
            .where(SupportLink.young_id == young_id, SupportLink.ended_at.is_(None))
            .order_by(SupportLink.is_primary.desc(), SupportLink.started_at)
        )
    )


def primary_link(session: Session, *, young_id: int) -> SupportLink | None:
    return session.exec(
        select(SupportLink).where(
            SupportLink.young_id == young_id, SupportLink.is_primary, SupportLink.ended_at.is_(None)
        )
    ).first()


def in_circle(session: Session, viewer: User, young_id: int) -> bool:
    """Staff, or someone the young person has in their circle right now."""
    if viewer.is_staff_member:
        return True
    return open_link(session, young_id=young_id, supporter_id=viewer.id) is not None


def may_see(session: Session, viewer: User, young_id: int, area: Area | str) -> bool:
    """May `viewer` see this area of the young person's things right now?"""
    # A young person looking at their own things needs no link, so none is looked up.
    link = None if viewer.id == young_id else open_link(session, young_id=young_id, supporter_id=viewer.id)
    return sees(viewer, young_id, link, area)


def sees(viewer: User, young_id: int, link: SupportLink | None, area: Area | str) -> bool:
    """`may_see` for a link already loaded (the viewer's open link to the young person, or None),
    so a list of young people costs no query per person."""
    area = Area(area)
    if viewer.id == young_id:
        return True
    if link is not None and link.may_see(area):
        return True
    return viewer.is_staff_member and area in STAFF_AREAS
