"""Demo data for messages: how the hub is set up (opening hours, reply norms, who handles which
topic, canned replies, who is on duty) and a few conversations in different states, backdated."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import Session

from hub.accounts.models import User
from hub.db import utcnow
from hub.messages.models import (
    CannedReply,
    Conversation,
    ConversationStatus,
    DutyShift,
    Message,
    OpeningHours,
    ReadMark,
    Topic,
    TopicRoute,
    TopicSetting,
)

DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
NORMS = {Topic.FEELINGS: 4, Topic.HOUSING: 8}  # hours of opening time; every other topic 24
ROUTES = {
    "personale": [Topic.HOUSING, Topic.MONEY, Topic.JOB],
    "jonas": [Topic.FEELINGS, Topic.SUBSTANCES, Topic.TROUBLE, Topic.EDUCATION],
}
CANNED = [
    (
        "Tak, vi har fået din besked",
        "Tak fordi du skriver. Vi har fået din besked, og vi vender tilbage, så snart vi kan. "
        'Hvis det haster, så ring til en af numrene under "Jeg har brug for hjælp nu".',
        None,
    ),
    (
        "Kom forbi hubben",
        "Det lyder som noget, vi bedst kan tage sammen. Kom forbi hubben en eftermiddag, "
        "så sætter vi os med en kop te og kigger på det. Du behøver ikke ringe i forvejen.",
        None,
    ),
    (
        "Boligstøtte",
        "Du kan søge boligstøtte på borger.dk, når du har en lejekontrakt. "
        "Vil du have hjælp, så tag kontrakten med, så gør vi det sammen.",
        Topic.HOUSING,
    ),
]

# Each line: (who writes: "young" or a login, how long ago, text).
Line = tuple[str, timedelta, str]


def _setup(session: Session, by_login: dict[str, User], now: datetime) -> None:
    for day in range(7):
        weekday = day < 5
        session.add(
            OpeningHours(weekday=day, opens=time(13, 0) if weekday else None, closes=time(21, 0) if weekday else None)
        )
    for topic in Topic:
        session.add(TopicSetting(topic=topic.value, response_hours=NORMS.get(topic, 24)))
    for login, topics in ROUTES.items():
        for topic in topics:
            session.add(TopicRoute(topic=topic.value, staff_id=by_login[login].id))
    for index, (title, body, topic) in enumerate(CANNED):
        session.add(
            CannedReply(
                title=title,
                body=body,
                topic=topic.value if topic else None,
                created_at=now - timedelta(days=30, minutes=index),
            )
        )
    session.add(DutyShift(staff_id=by_login["personale"].id, since=now, until=now + timedelta(hours=4)))
    session.flush()


def _thread(
    session: Session,
    by_login: dict[str, User],
    young: User,
    topic: Topic,
    lines: list[Line],
    now: datetime,
    *,
    supporter: User | None = None,
    **fields,
) -> Conversation:
    """A conversation with its messages; everyone in it has read up to their own last words."""
    people = {"young": young} | {login: by_login[login] for login, _, _ in lines if login != "young"}
    started = now - lines[0][1]
    conversation = Conversation(
        young_id=young.id,
        topic=topic.value,
        supporter_id=supporter.id if supporter else None,
        started_by_id=young.id,
        created_at=started,
        last_message_at=now - lines[-1][1],
        **fields,
    )
    answers = [now - ago for login, ago, _ in lines if login != "young"]
    if answers:
        conversation.first_response_at = answers[0]
    session.add(conversation)
    session.flush()
    read: dict[int, datetime] = {}
    for login, ago, body in lines:
        author = people[login]
        session.add(Message(conversation_id=conversation.id, author_id=author.id, body=body, created_at=now - ago))
        read[author.id] = now - ago
    for user_id, at in read.items():
        session.add(ReadMark(conversation_id=conversation.id, user_id=user_id, read_at=at))
    session.flush()
    return conversation


def load(session: Session, by_login: dict[str, User]) -> None:
    now = utcnow()
    _setup(session, by_login, now)
    sara, amina, mads = by_login["ung"], by_login["amina"], by_login["mads"]

    # Sara's housing question: Louise answered, Sara answered back, and it is the hub's turn.
    _thread(
        session,
        by_login,
        sara,
        Topic.HOUSING,
        [
            (
                "young",
                2 * DAY + 3 * HOUR,
                "Hej. Jeg skal flytte fra min lejlighed om en måned, og jeg har ikke fundet noget nyt endnu. "
                "Jeg ved ikke, hvor jeg skal starte.",
            ),
            (
                "personale",
                2 * DAY,
                "Hej Sara, godt du skriver. Har du skrevet dig op hos AarhusBolig? "
                "Vi kan også se på ungdomsboliger sammen i hubben. Hvornår passer det dig?",
            ),
            ("young", 5 * HOUR, "Jeg er skrevet op, men der er lang ventetid. Kan jeg komme på torsdag?"),
        ],
        now,
        status=ConversationStatus.OPEN,
    )
    # An older one about money, answered and closed.
    _thread(
        session,
        by_login,
        sara,
        Topic.MONEY,
        [
            ("young", 41 * DAY, "Jeg har fået en regning fra Forsyningen, som jeg ikke forstår. Må jeg tage den med?"),
            ("personale", 40 * DAY, "Ja, selvfølgelig. Tag den med på onsdag, så kigger vi på den sammen."),
            ("young", 38 * DAY, "Tak for hjælpen i dag. Nu har jeg en aftale om at betale af."),
        ],
        now,
        status=ConversationStatus.CLOSED,
        closed_at=now - 37 * DAY,
    )
    # With Hanne, her caseworker, about a job: Hanne answered, and Sara has not read it yet.
    hanne = by_login["sagsbehandler"]
    _thread(
        session,
        by_login,
        sara,
        Topic.JOB,
        [
            (
                "young",
                3 * DAY,
                "Hej Hanne. Jeg har fået tilbudt et fritidsjob i Netto. Betyder det noget for min ydelse?",
            ),
            (
                "sagsbehandler",
                1 * DAY,
                "Hej Sara, hvor er det godt! Det kan godt påvirke din ydelse, men ikke så meget som du tror. "
                "Send mig din kontrakt, når du har den, så regner vi på det sammen.",
            ),
        ],
        now,
        supporter=hanne,
        status=ConversationStatus.WAITING,
    )
    # Amina asked about education yesterday; nobody has answered yet.
    _thread(
        session,
        by_login,
        amina,
        Topic.EDUCATION,
        [
            (
                "young",
                1 * DAY,
                "Hej. Jeg overvejer at stoppe på HF, fordi jeg ikke kan følge med. "
                "Er der nogen, der kan hjælpe mig med at finde ud af, hvad jeg så skal?",
            )
        ],
        now,
        status=ConversationStatus.OPEN,
    )
    # Mads needed help one night last week: Jonas picked it up, and it was closed after a talk.
    _thread(
        session,
        by_login,
        mads,
        Topic.TROUBLE,
        [
            ("young", 7 * DAY, "Jeg har brug for hjælp nu. Der er nogle, der venter på mig nede foran opgangen."),
            (
                "jonas",
                7 * DAY - 6 * MINUTE,
                "Mads, jeg er her. Bliv inde og lås døren. Jeg ringer til dig nu.",
            ),
            ("young", 6 * DAY, "Tak fordi du ringede i går. Jeg er okay nu."),
        ],
        now,
        urgent=True,
        status=ConversationStatus.CLOSED,
        closed_at=now - 6 * DAY + 2 * HOUR,
        picked_up_by_id=by_login["jonas"].id,
        picked_up_at=now - 7 * DAY + 6 * MINUTE,
        assigned_to_id=by_login["jonas"].id,
    )
    session.flush()
