"""Supporter profiles: a support person's or mentor's own words in the directory, and the staff
deciding who is listed (with a volunteer mentor's agreement and training)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, or_, select

from hub.accounts.models import SupportType, User
from hub.db import utcnow
from hub.errors import Forbidden, Invalid
from hub.plans.models import LifeArea
from hub.support.circle import MENTOR, supporter_kind
from hub.support.models import SupporterProfile
from hub.support.services import STAFF_LIST_LIMIT, clean_text, kind_label, lock_user, person_gone, require_staff


def _profile_for_update(session: Session, user_id: int) -> SupporterProfile:
    profile = session.exec(
        select(SupporterProfile)
        .where(SupporterProfile.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if profile is None:
        profile = SupporterProfile(user_id=user_id)
        session.add(profile)
    return profile


def save_profile(
    session: Session,
    *,
    actor: User,
    about: str,
    helps_with: list[str],
    languages: str,
    reachable: str,
    phone: str,
) -> SupporterProfile:
    """A support person or mentor tells young people who they are, in their own voice."""
    if supporter_kind(actor) is None:
        raise Forbidden("not_supporter")
    unknown = set(helps_with) - set(LifeArea)
    if unknown:
        raise Invalid("helps_with", str(_l("Choose from the list.")))
    values = {
        "about": clean_text(about, code="about", limit=500),
        "helps_with": ",".join(area for area in LifeArea if area in helps_with),
        "languages": clean_text(languages, code="languages", limit=120),
        "reachable": clean_text(reachable, code="reachable", limit=200),
        "phone": clean_text(phone, code="phone", limit=30),
    }
    lock_user(session, actor)
    profile = _profile_for_update(session, actor.id)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.updated_at = utcnow()
    session.flush()
    return profile


def save_listing(
    session: Session,
    *,
    actor: User,
    person: User,
    listed: bool,
    organisation: str,
    agreement_on: date | None,
    training_on: date | None,
    staff_contact_id: int | None,
) -> SupporterProfile:
    """Staff decide who is in the directory. A volunteer mentor needs a signed agreement and
    the intro training first; someone from a young person's own network is never listed."""
    require_staff(actor)
    kind = supporter_kind(person)
    if kind is None:
        raise person_gone()
    organisation = clean_text(organisation, code="organisation", limit=120)
    if staff_contact_id is not None:
        contact = session.get(User, staff_contact_id)
        if contact is None or not contact.is_staff_member or contact.disabled_at is not None:
            raise Invalid("staff_contact_id", str(_l("Choose someone from the staff.")))
    if listed and kind == SupportType.NETWORK:
        raise Invalid("listed", str(_l("People from a young person's own network are never listed.")))
    if listed and kind == MENTOR and (agreement_on is None or training_on is None):
        raise Invalid(
            "listed",
            str(_l("A volunteer mentor can be listed once the agreement and the intro training are recorded.")),
        )
    profile = _profile_for_update(session, person.id)
    profile.listed = listed
    profile.organisation = organisation
    profile.agreement_on = agreement_on
    profile.training_on = training_on
    profile.staff_contact_id = staff_contact_id
    profile.updated_at = utcnow()
    session.flush()
    return profile


@dataclass(frozen=True)
class SupporterRow:
    user: User
    profile: SupporterProfile | None

    @property
    def kind_label(self):
        return kind_label(supporter_kind(self.user))

    @property
    def listed(self) -> bool:
        return bool(self.profile and self.profile.listed)

    @property
    def filled_in(self) -> bool:
        return bool(self.profile and self.profile.about)


def supporters(session: Session) -> list[SupporterRow]:
    """Every support person and mentor, listed or not, profile or not."""
    rows = session.exec(
        select(User, SupporterProfile)
        .outerjoin(SupporterProfile, SupporterProfile.user_id == User.id)
        .where(or_(User.support_type.is_not(None), User.is_mentor))
        .order_by(User.name, User.id)
        .limit(STAFF_LIST_LIMIT)
    ).all()
    return [SupporterRow(user, profile) for user, profile in rows]


def staff_choices(session: Session) -> list[User]:
    return list(
        session.exec(
            select(User).where(or_(User.is_staff, User.is_admin), User.disabled_at.is_(None)).order_by(User.name)
        ).all()
    )
