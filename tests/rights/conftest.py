"""Two young people with rich, distinct data: bookings, klip, a plan, messages, check-ins,
wellbeing, support, a nomination, an idea, a device; and the staff and supporters around them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from hub.db import utcnow
from tests.clock import hub_today


@dataclass
class Person:
    """One young person's world: their id, and the strings that identify them or are theirs."""

    id: int
    email: str
    name: str
    display: str
    supporter_id: int
    texts: dict[str, str] = field(default_factory=dict)  # what → a unique text of theirs
    ids: dict[str, int] = field(default_factory=dict)  # what → a row id of theirs

    @property
    def identifying(self) -> list[str]:
        """What must never appear in anyone else's data, nor anywhere once they are erased."""
        return [self.email, self.name, *self.texts.values()]


def build_person(session, *, tag: str, first: str, staff, past_event, future_event, other_young=None) -> Person:
    from hub.audit.models import AuditEntry
    from hub.checkins.models import CheckIn, Wellbeing
    from hub.credits.models import KlipAccount, KlipEntry, Offer, Voucher
    from hub.events.models import Booking, BookingStatus, CalendarFeed
    from hub.messages.models import Conversation, Message, ReadMark
    from hub.notifications.models import Notification, NotificationPreference, PushSubscription
    from hub.plans.models import Goal, GoalComment, Plan, PlanChange, Step, Suggestion
    from hub.proposals.models import Proposal, ProposalBacker, ProposalComment
    from hub.support.models import (
        Nomination,
        SupportChange,
        SupporterProfile,
        SupportItem,
        SupportLink,
        SupportOption,
    )
    from tests.factories import make_user

    unique = uuid.uuid4().hex[:6]
    name = f"{first} {tag}sen-{unique}"
    young = make_user(session, is_young=True, name=name, email=f"{tag}-{unique}@example.org")
    supporter = make_user(session, support_type="caseworker", name=f"Støtte {tag}sen-{unique}")
    texts = {
        "dreams": f"drømmer om {tag} {unique} lejlighed",
        "goal": f"mål {tag} {unique}",
        "why": f"fordi {tag} {unique}",
        "step": f"skridt {tag} {unique}",
        "suggestion": f"forslag {tag} {unique}",
        "comment": f"kommentar {tag} {unique}",
        "message": f"besked fra {tag} {unique}",
        "reply": f"svar til {tag} {unique}",
        "internal": f"INTERN note om {tag} {unique}",
        "supporter_message": f"hej støtte {tag} {unique}",
        "shared_note": f"delt note {tag} {unique}",
        "private_note": f"PRIVAT note {tag} {unique}",
        "words": f"træt i dag {tag} {unique}",
        "wish": f"ønske {tag} {unique}",
        "nominee": f"Træner {tag} {unique}",
        "phone": f"+45 {abs(hash(unique)) % 10**8:08d}",
        "klip_reason": f"fødselsdag {tag} {unique}",
        "companion_note": f"følg mig {tag} {unique}",
        "idea_comment": f"ide-kommentar {tag} {unique}",
        "left_reason": f"pause {tag} {unique}",
    }
    session.add(SupporterProfile(user_id=supporter.id, about="Jeg hjælper", phone="+45 7000 0000"))
    link = SupportLink(
        young_id=young.id,
        supporter_id=supporter.id,
        is_primary=True,
        see_plan=True,
        see_bookings=True,
        see_wellbeing=True,
        see_klip=True,
        may_message=True,
    )
    option = SupportOption(kind="mentor", name=f"Mentor {unique}")
    session.add_all([link, option, Plan(young_id=young.id, dreams=texts["dreams"])])
    session.flush()
    item = SupportItem(young_id=young.id, option_id=option.id, wish=texts["wish"], status="active", level=2)
    nomination = Nomination(
        young_id=young.id, name=texts["nominee"], relation="min træner", phone=texts["phone"], email="coach@example.org"
    )
    goal = Goal(
        young_id=young.id, area="housing", title=texts["goal"], why=texts["why"], status="done", created_by_id=young.id
    )
    session.add_all([item, nomination, goal])
    session.flush()
    step = Step(goal_id=goal.id, what=texts["step"], created_by_id=young.id)
    suggestion = Suggestion(young_id=young.id, goal_id=goal.id, text=texts["suggestion"], by_id=supporter.id)
    goal_comment = GoalComment(goal_id=goal.id, by_id=supporter.id, text=texts["comment"])
    change = PlanChange(young_id=young.id, by_id=young.id, entity="goal", action="added", title=texts["goal"])
    support_change = SupportChange(young_id=young.id, kind="left", by_id=young.id, reason=texts["left_reason"])
    session.add_all([step, suggestion, goal_comment, change, support_change])

    # Events: a past one they came to, and one still to come.
    past = Booking(
        event_id=past_event,
        user_id=young.id,
        status=BookingStatus.CONFIRMED,
        ticket_code=f"t-{unique}-past",
        checked_in_at=utcnow() - timedelta(days=9),
        companion="staff",
        companion_note=texts["companion_note"],
    )
    future = Booking(event_id=future_event, user_id=young.id, status=BookingStatus.CONFIRMED, ticket_code=f"t-{unique}")
    session.add_all([past, future, CalendarFeed(user_id=young.id, token_hash=uuid.uuid4().hex)])

    # Klip: ten given, two spent on a voucher.
    offer = Offer(title=f"Klatring {unique}", category="sport", price_klip=2)
    session.add_all([KlipAccount(user_id=young.id), offer])
    session.flush()
    voucher = Voucher(user_id=young.id, offer_id=offer.id, price_klip=2, qr_secret=uuid.uuid4().hex)
    session.add(voucher)
    session.flush()
    session.add_all(
        [
            KlipEntry(user_id=young.id, amount=10, kind="grant", reason=texts["klip_reason"], actor_id=staff.id),
            KlipEntry(
                user_id=young.id, amount=-2, kind="spend", reason="Klatring", actor_id=young.id, voucher_id=voucher.id
            ),
        ]
    )

    # Messages: with the hub (a reply and an internal note), and with their support person.
    hub_talk = Conversation(young_id=young.id, topic="housing", started_by_id=young.id, status="open")
    supporter_talk = Conversation(young_id=young.id, topic="job", supporter_id=supporter.id, started_by_id=young.id)
    session.add_all([hub_talk, supporter_talk])
    session.flush()
    session.add_all(
        [
            Message(conversation_id=hub_talk.id, author_id=young.id, body=texts["message"]),
            Message(conversation_id=hub_talk.id, author_id=staff.id, body=texts["reply"]),
            Message(conversation_id=hub_talk.id, author_id=staff.id, body=texts["internal"], internal=True),
            Message(conversation_id=supporter_talk.id, author_id=young.id, body=texts["supporter_message"]),
            ReadMark(conversation_id=hub_talk.id, user_id=young.id),
            ReadMark(conversation_id=hub_talk.id, user_id=staff.id),
        ]
    )

    # Check-ins: one note shared with them, one kept on the staff side; a wellbeing entry.
    session.add_all(
        [
            CheckIn(
                young_id=young.id,
                by_id=supporter.id,
                happened_on=hub_today() - timedelta(days=3),
                way="phone",
                went="good",
                note=texts["shared_note"],
                note_shared=True,
            ),
            CheckIn(
                young_id=young.id,
                by_id=supporter.id,
                happened_on=hub_today() - timedelta(days=2),
                way="meeting",
                went="hard",
                note=texts["private_note"],
            ),
            Wellbeing(young_id=young.id, mood=4, sleep=3, movement=2, words=texts["words"]),
        ]
    )

    # An idea, with their own comment; the other young person backs it.
    proposal = Proposal(author_id=young.id, title=f"Klatretur {unique}", what="Vi klatrer")
    session.add(proposal)
    session.flush()
    session.add(ProposalComment(proposal_id=proposal.id, author_id=young.id, body=texts["idea_comment"]))
    if other_young is not None:
        session.add(ProposalBacker(proposal_id=proposal.id, user_id=other_young))

    # The phone, the bell, the settings; and the staff looking at their messages.
    session.add_all(
        [
            PushSubscription(user_id=young.id, endpoint=f"https://push.example/{unique}", p256dh="k", auth="a"),
            Notification(user_id=young.id, kind="hello", title=f"Hej {first}"),
            NotificationPreference(user_id=young.id),
            AuditEntry(actor_id=staff.id, young_id=young.id, area="messages", action="read", object_id=hub_talk.id),
            # The staff's own bell names them.
            Notification(user_id=staff.id, kind="support_left", title=f"{name} has stepped away for a while"),
        ]
    )
    _evaluation(session, young.id, staff.id)
    session.flush()
    return Person(
        id=young.id,
        email=young.email,
        name=young.name,
        display=young.display_name,
        supporter_id=supporter.id,
        texts=texts,
        ids={
            "link": link.id,
            "goal": goal.id,
            "hub_talk": hub_talk.id,
            "past_booking": past.id,
            "future_booking": future.id,
            "voucher": voucher.id,
            "proposal": proposal.id,
        },
    )


def _evaluation(session, young_id: int, staff_id: int) -> None:
    """The trial's status record (with the staff-only risk) and a pulse, when that domain exists."""
    try:
        from hub.evaluation.models import EvaluationEnrolment, PulseAnswer, StatusRecord
    except ImportError:
        return
    session.add_all(
        [
            EvaluationEnrolment(young_id=young_id, cohort_year=2026, enrolled_by_id=staff_id),
            StatusRecord(
                young_id=young_id,
                kind="start",
                housing="own_home",
                occupation="education",
                risk="high",
                network=3,
                network_note="",
                recorded_by_id=staff_id,
            ),
            PulseAnswer(young_id=young_id, talk=3, home=4, days=3, say=5, future=4),
        ]
    )


@dataclass
class World:
    a: Person
    b: Person
    staff_id: int
    past_event: int
    future_event: int


@pytest.fixture
def world_ab(app) -> World:
    from hub.db import job_session
    from hub.events.models import Event
    from tests.factories import make_user

    with app.app_context(), job_session() as session:
        staff = make_user(session, is_staff=True, name="Mette Medarbejder")
        start = utcnow()
        past = Event(
            title="Madklub",
            category="community",
            starts_at=start - timedelta(days=10),
            ends_at=start - timedelta(days=10) + timedelta(hours=2),
            place="Ungehub",
            capacity=10,
        )
        future = Event(
            title="Yoga",
            category="health",
            starts_at=start + timedelta(days=10),
            ends_at=start + timedelta(days=10, hours=1),
            place="Ungehub",
            capacity=10,
        )
        session.add_all([past, future])
        session.flush()
        worlds = dict(staff=staff, past_event=past.id, future_event=future.id)
        b = build_person(session, tag="bent", first="Bent", **worlds)
        a = build_person(session, tag="anna", first="Anna", other_young=b.id, **worlds)
        return World(a=a, b=b, staff_id=staff.id, past_event=past.id, future_event=future.id)
