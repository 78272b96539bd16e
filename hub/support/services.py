"""The support circle: a young person finds and chooses support people, decides what each may
see, ends a relationship when they want, and sees who looked.

Who may see what is answered in hub.support.circle; this module changes the circle. Nominations
from the young person's own network are in hub.support.nominations, and supporters' directory
profiles in hub.support.profiles; both build on the small helpers here. Every change to the
circle is also a `SupportChange` row, so the history stays readable. A young person's circle
changes only with their user row locked, so two taps at once (or two phones) cannot leave two
primary support people; the partial unique index backs that up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.accounts.models import ROLE_LABELS, SUPPORT_TYPE_LABELS, Role, SupportType, User
from hub.audit import services as audit
from hub.db import utcnow
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.notifications.services import notify
from hub.plans.models import LIFE_AREA_LABELS, LifeArea
from hub.support.circle import (
    MENTOR,
    STAFF_AREAS,
    default_sharing,
    open_link,
    open_links,
    primary_link,
    supporter_kind,
)
from hub.support.models import (
    AREA_LABELS,
    Area,
    ChangeKind,
    SupportChange,
    SupporterProfile,
    SupportLink,
)

SHARING_FIELDS = ("see_plan", "see_bookings", "see_wellbeing", "see_klip", "see_support", "may_message")
STAFF_LIST_LIMIT = 300  # the staff's lists of nominations and supporters

# The kinds a young person can filter the directory by; network people are never listed.
DIRECTORY_KINDS = [kind for kind in SupportType if kind != SupportType.NETWORK] + [MENTOR]
OTHER_LOOKS = {"checkins": _l("Check-in notes about you")}  # read beside the areas they share
NOT_IN_TRIAL = _l(
    "Choosing your own support people is part of a trial at the hub. "
    "If you want to join, talk to the staff at the hub: you can write to them here in the app."
)


def kind_label(kind: str | None):
    if kind == MENTOR:
        return ROLE_LABELS[Role.MENTOR]
    return SUPPORT_TYPE_LABELS.get(kind, ROLE_LABELS[Role.SUPPORT])


def area_labels(helps_with: str) -> list:
    chosen = set(helps_with.split(","))
    return [LIFE_AREA_LABELS[area] for area in LifeArea if area in chosen]


def _staff_path(young: User) -> str:
    return f"/staff/people?q={quote(young.email)}"


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonCard:
    """A support person as a young person sees them: who, what kind, how to reach, and
    whether they are in this young person's circle."""

    user: User
    profile: SupporterProfile | None
    link: SupportLink | None = None

    @property
    def kind(self) -> str | None:
        return supporter_kind(self.user)

    @property
    def kind_label(self):
        return kind_label(self.kind)

    @property
    def helps_with(self) -> list:
        return area_labels(self.profile.helps_with) if self.profile else []

    @property
    def about(self) -> str:
        return self.profile.about if self.profile else ""

    @property
    def languages(self) -> str:
        return self.profile.languages if self.profile else ""

    @property
    def reachable(self) -> str:
        return self.profile.reachable if self.profile else ""

    @property
    def phone(self) -> str:
        return self.profile.phone if self.profile else ""

    @property
    def organisation(self) -> str:
        return self.profile.organisation if self.profile else ""

    @property
    def in_circle(self) -> bool:
        return self.link is not None

    @property
    def is_primary(self) -> bool:
        return self.link is not None and self.link.is_primary

    @property
    def sees(self) -> list:
        """What this person may see, in words, for the circle list."""
        if self.link is None:
            return []
        return [AREA_LABELS[area] for area in Area if self.link.may_see(area)]


def profile_of(session: Session, user_id: int) -> SupporterProfile | None:
    return session.get(SupporterProfile, user_id)


def is_listed(session: Session, person: User) -> bool:
    """In the directory: a listed profile of an active support person or mentor, never a network person."""
    if not person.is_active or supporter_kind(person) in (None, SupportType.NETWORK):
        return False
    profile = profile_of(session, person.id)
    return profile is not None and profile.listed


def may_view_person(session: Session, viewer: User, person: User) -> bool:
    """A young person sees anyone already in their own circle; one in the trial also sees listed people."""
    if not viewer.is_young or viewer.id == person.id:
        return False
    if open_link(session, young_id=viewer.id, supporter_id=person.id) is not None:
        return True
    return in_trial(viewer) and is_listed(session, person)


def person_card(session: Session, *, young: User, person: User) -> PersonCard:
    return PersonCard(
        person, profile_of(session, person.id), open_link(session, young_id=young.id, supporter_id=person.id)
    )


def directory(session: Session, *, young: User, area: str | None = None, kind: str | None = None) -> list[PersonCard]:
    """The people a young person can choose from, by name; a hub's directory is a few dozen."""
    rows = session.exec(
        select(User, SupporterProfile)
        .join(SupporterProfile, SupporterProfile.user_id == User.id)
        .where(SupporterProfile.listed, User.disabled_at.is_(None), User.id != young.id)
        .order_by(User.name, User.id)
    ).all()
    links = {link.supporter_id: link for link in open_links(session, young_id=young.id)}
    cards = []
    for user, profile in rows:
        card = PersonCard(user, profile, links.get(user.id))
        if not user.is_active or card.kind in (None, SupportType.NETWORK):
            continue
        if kind and card.kind != kind:
            continue
        if area and area not in profile.helps_with.split(","):
            continue
        cards.append(card)
    return cards


def circle(session: Session, *, young: User) -> list[PersonCard]:
    """The young person's circle today, primary first."""
    links = open_links(session, young_id=young.id)
    if not links:
        return []
    ids = [link.supporter_id for link in links]
    users = {user.id: user for user in session.exec(select(User).where(User.id.in_(ids))).all()}
    profiles = {p.user_id: p for p in session.exec(select(SupporterProfile).where(SupporterProfile.user_id.in_(ids)))}
    return [PersonCard(users[link.supporter_id], profiles.get(link.supporter_id), link) for link in links]


def primary_card(session: Session, *, young: User) -> PersonCard | None:
    link = primary_link(session, young_id=young.id)
    if link is None:
        return None
    person = session.get(User, link.supporter_id)
    return PersonCard(person, profile_of(session, person.id), link)


@dataclass(frozen=True)
class AreaShare:
    label: object
    shared: bool
    last_look: datetime | None = None


@dataclass(frozen=True)
class SharingRow:
    card: PersonCard
    areas: list[AreaShare]
    other_looks: list[AreaShare]  # looks at things shared in another way (check-in notes)


@dataclass(frozen=True)
class Visibility:
    rows: list[SharingRow]
    staff_areas: list[AreaShare]
    looks: list[audit.Look] = field(default_factory=list)  # everyone who read or changed, lately


def visibility(session: Session, *, young: User) -> Visibility:
    """Who can see what, when each person in the circle last looked, and who read or changed
    the young person's things lately (staff included), from the audit log."""
    cards = circle(session, young=young)
    last = audit.last_reads(session, young_id=young.id, actor_ids={card.link.supporter_id for card in cards})
    rows = []
    for card in cards:
        # Only looks while this link has been open: someone who left and came back starts afresh.
        seen = {
            area: at
            for (actor_id, area), at in last.items()
            if actor_id == card.link.supporter_id and at >= card.link.started_at
        }
        areas = [AreaShare(AREA_LABELS[area], card.link.may_see(area), seen.get(area)) for area in Area]
        others = [AreaShare(label, True, seen[a]) for a, label in OTHER_LOOKS.items() if a in seen]
        rows.append(SharingRow(card, areas, others))
    return Visibility(
        rows=rows,
        staff_areas=[AreaShare(AREA_LABELS[area], area in STAFF_AREAS) for area in Area],
        looks=audit.looks(session, young_id=young.id),
    )


# --- changing the circle ----------------------------------------------------------------------


def require_young(actor: User) -> None:
    if not actor.is_young:
        raise Forbidden("not_young", str(_l("Only young people choose their support here.")))


def in_trial(user: User) -> bool:
    """Enrolled by the staff in the support trial. Anyone on the internet can sign up for an
    open account (events, and messages to the hub); the circle and the menu are the trial's."""
    return user.is_young and user.trial_enrolled_at is not None


def require_trial_member(actor: User) -> None:
    """Choosing support people, writing to them and asking for support: the trial's, one rule."""
    require_young(actor)
    if not in_trial(actor):
        raise Forbidden("not_in_trial", str(NOT_IN_TRIAL))


def lock_user(session: Session, user: User) -> User:
    locked = session.exec(select(User).where(User.id == user.id).with_for_update()).one()
    # Whatever this request read before it held the lock may have changed since: read it afresh.
    session.expire_all()
    return locked


def _lock_link(session: Session, link: SupportLink) -> SupportLink:
    return session.exec(
        select(SupportLink).where(SupportLink.id == link.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def person_gone() -> NotFound:
    return NotFound("not_found", str(_l("We could not find that person.")))


def _require_choosable(session: Session, young: User, person: User) -> None:
    if not may_view_person(session, young, person) or not person.is_active:
        raise person_gone()


def _record(session: Session, young: User, kind: ChangeKind, link: SupportLink, **values) -> None:
    session.add(SupportChange(young_id=young.id, kind=kind, by_id=young.id, link_id=link.id, **values))


def staff_members(session: Session) -> list[User]:
    return list(session.exec(select(User).where(User.is_staff, User.disabled_at.is_(None))).all())


def flush_circle(session: Session) -> None:
    """Flush a change to the circle; a clash with the unique indexes is a friendly 409."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            "circle_changed", str(_l("Your support was changed at the same moment. Reload the page and try again."))
        ) from None


def require_staff(actor: User) -> None:
    """For the staff's side of nominations and profiles."""
    if not actor.is_staff_member:
        raise Forbidden("not_staff")


def clean_text(value: str | None, *, code: str, limit: int, required=None) -> str:
    """Stripped text no longer than `limit`; `required` is what to say when it is empty."""
    value = (value or "").strip()
    if required is not None and not value:
        raise Invalid(code, str(required))
    if len(value) > limit:
        raise Invalid(code, str(_l("Keep it under %(max)d characters.", max=limit)))
    return value


def choose_primary(session: Session, *, actor: User, person: User) -> SupportLink:
    """`person` becomes the young person's primary support person. The one before stays in
    the circle as an ordinary member; the young person decides whether to end that too."""
    require_trial_member(actor)
    lock_user(session, actor)
    _require_choosable(session, actor, person)
    before = primary_link(session, young_id=actor.id)
    if before is not None and before.supporter_id == person.id:
        return before  # a double tap chooses once
    link = open_link(session, young_id=actor.id, supporter_id=person.id)
    added = link is None
    if before is not None:
        before.is_primary = False
        flush_circle(session)  # the index allows one primary at a time: step down first
    if link is None:
        link = SupportLink(young_id=actor.id, supporter_id=person.id, **default_sharing(person))
        session.add(link)
    link.is_primary = True
    flush_circle(session)
    if added:
        _record(session, actor, ChangeKind.PERSON_ADDED, link)
    _record(session, actor, ChangeKind.PRIMARY_CHOSEN, link, supporter_type=supporter_kind(person) or "")
    session.flush()
    name = actor.display_name
    notify(
        session,
        person,
        kind="support_chosen",
        title=_l("%(name)s chose you as their support person", name=name),
        body=_l("You are their primary support person now. Get in touch and say hello."),
    )
    if before is not None:
        notify(
            session,
            session.get(User, before.supporter_id),
            kind="support_changed",
            title=_l("%(name)s has chosen a new primary support person", name=name),
            body=_l(
                "Young people choose and change their support as life changes. "
                "You are still in their circle, unless they change that too."
            ),
        )
    for member in staff_members(session):
        notify(
            session,
            member,
            kind="support_chosen_staff",
            title=_l("%(name)s chose %(person)s as their support person", name=name, person=person.name),
            body=kind_label(supporter_kind(person)),
            url=_staff_path(actor),
        )
    return link


def add_to_circle(session: Session, *, actor: User, person: User) -> SupportLink:
    """`person` joins the circle, seeing what their kind sees by default until the young person changes it."""
    require_trial_member(actor)
    lock_user(session, actor)
    _require_choosable(session, actor, person)
    link = open_link(session, young_id=actor.id, supporter_id=person.id)
    if link is not None:
        return link
    link = SupportLink(young_id=actor.id, supporter_id=person.id, **default_sharing(person))
    session.add(link)
    flush_circle(session)
    _record(session, actor, ChangeKind.PERSON_ADDED, link)
    session.flush()
    notify(
        session,
        person,
        kind="support_added",
        title=_l("%(name)s added you to their support circle", name=actor.display_name),
        body=_l("They decide what you can see. Get in touch and say hello."),
    )
    return link


def _own_link(session: Session, actor: User, link: SupportLink) -> SupportLink:
    link = _lock_link(session, link)
    if link.young_id != actor.id:
        raise NotFound("not_found", str(_l("We could not find that page")))
    return link


def set_sharing(session: Session, *, actor: User, link: SupportLink, sharing: Mapping[str, bool]) -> SupportLink:
    """What this person may see, and whether they may message: the young person's choice."""
    link = _own_link(session, actor, link)
    if link.ended_at is not None:
        raise Conflict("ended", str(_l("This person is no longer in your circle.")))
    for name in SHARING_FIELDS:
        setattr(link, name, bool(sharing.get(name, False)))
    session.flush()
    return link


def end_link(session: Session, *, actor: User, link: SupportLink) -> SupportLink:
    """A no-fault end, at any time: the person loses access at once; the row stays for history."""
    link = _own_link(session, actor, link)
    if link.ended_at is not None:
        return link  # ended already: a second tap changes nothing
    person = session.get(User, link.supporter_id)
    link.ended_at = utcnow()
    link.ended_by_id = actor.id
    _record(session, actor, ChangeKind.PERSON_ENDED, link, supporter_type=supporter_kind(person) or "")
    session.flush()
    notify(
        session,
        person,
        kind="support_ended",
        title=_l("%(name)s has changed their support", name=actor.display_name),
        body=_l(
            "You are no longer in their support circle, so you cannot see their things any more. "
            "It is their choice to make. Thank you for your help."
        ),
    )
    if link.is_primary:
        for member in staff_members(session):
            notify(
                session,
                member,
                kind="support_primary_ended",
                title=_l("%(name)s has no primary support person now", name=actor.display_name),
                body=_l("They ended it with %(person)s. Maybe offer a talk.", person=person.name),
                url=_staff_path(actor),
            )
    return link


def changed_primary_hint(session: Session, *, young: User, link_id: int | None) -> PersonCard | None:
    """After a new choice: the former primary, if still in the circle, so the page can offer to end that too."""
    if link_id is None:
        return None
    link = session.get(SupportLink, link_id)
    if link is None or link.young_id != young.id or link.ended_at is not None or link.is_primary:
        return None
    person = session.get(User, link.supporter_id)
    return PersonCard(person, profile_of(session, person.id), link)
