"""Two weeks of a realistic hub program, and a couple of youth proposals."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from hub.accounts.models import User
from hub.credits import services as credits
from hub.db import utcnow
from hub.events.models import Booking, BookingStatus, Category, Event, Visibility
from hub.proposals.models import Proposal, ProposalBacker, ProposalComment, ProposalStatus

AARHUS = ZoneInfo("Europe/Copenhagen")
HUB_PLACE = "Ungehub"
HUB_ADDRESS = "Frederiks Allé 20, 8000 Aarhus C"

# (days from today, start hour, hours, title, category, capacity, price, description, extra)
PROGRAM = [
    (
        0,
        17,
        2.5,
        "Mad for en SU",
        Category.WORKSHOP,
        12,
        0,
        "Vi laver en lækker aftensmad for under 25 kr. pr. person og spiser sammen. Du får opskrifterne med hjem.",
        {
            "accessibility": "Køkkenet ligger i stueetagen. Sig til, hvis du ikke tåler noget.",
            "accessibility_en": "The kitchen is on the ground floor. Tell us if there is anything you cannot eat.",
            "title_en": "Food on a student grant",
            "description_en": "We cook a tasty dinner for under 25 kroner a person and eat together. You take the "
            "recipes home.",
        },
    ),
    (
        1,
        16,
        2,
        "Budget: få styr på pengene",
        Category.WORKSHOP,
        10,
        0,
        "Hvor går pengene hen? Vi laver dit eget budget sammen, så du ved, hvad du har til husleje, mad og sjov.",
        {
            "title_en": "Budget: get on top of your money",
            "description_en": "Where does the money go? We make your own budget together, so you know what you have "
            "for rent, food and fun.",
        },
    ),
    (
        2,
        18,
        1.5,
        "Yoga for begyndere",
        Category.HEALTH,
        8,
        0,
        "Rolig yoga, hvor ingen kigger på, hvor smidig du er. Vi har måtter, du skal bare have bløde bukser på.",
        {
            "accessibility": "Salen er på 1. sal, der er elevator.",
            "accessibility_en": "The hall is on the first floor; there is a lift.",
            "title_en": "Yoga for beginners",
            "description_en": "Calm yoga where nobody looks at how flexible you are. We have mats; just wear "
            "something comfy.",
        },
    ),
    (
        3,
        15,
        3,
        "Besøg på Aarhus Tech",
        Category.EXCURSION,
        6,
        0,
        "Vi tager sammen ud og ser værkstederne og møder elever. Vi mødes i hubben og tager bussen.",
        {
            "place": "Aarhus Tech, Hasselager Allé 2",
            "address": "Hasselager Allé 2, 8260 Viby J",
            "title_en": "A visit to Aarhus Tech",
            "description_en": "We go out together to see the workshops and meet students. We meet at the hub and "
            "take the bus.",
        },
    ),
    (
        4,
        17,
        2,
        "Ny i egen bolig",
        Category.GROUP,
        8,
        0,
        "En lille gruppe for dig, der lige er flyttet hjemmefra. Vi taler om alt det, ingen har fortalt dig.",
        {
            "visibility": Visibility.TRIAL,
            "title_en": "New in your own home",
            "description_en": "A small group for you who have just moved out. We talk about all the things nobody "
            "told you.",
        },
    ),
    (
        6,
        14,
        2,
        "Klatring i Bloc Aarhus",
        Category.EXCURSION,
        6,
        2,
        "Prøv at klatre sammen med andre fra hubben. Sko og instruktør er med i prisen.",
        {
            "place": "Bloc Aarhus",
            "address": "Søren Frichs Vej 44, 8230 Åbyhøj",
            "title_en": "Climbing at Bloc Aarhus",
            "description_en": "Try climbing with others from the hub. Shoes and an instructor are included in the "
            "price.",
        },
    ),
    (
        8,
        16,
        2,
        "Jobsøgning: dit første CV",
        Category.WORKSHOP,
        10,
        0,
        "Vi skriver dit CV sammen. Du behøver ikke have haft et job før, alle har noget at skrive.",
        {
            "title_en": "Job hunting: your first CV",
            "description_en": "We write your CV together. You do not need to have had a job before; everyone has "
            "something to write.",
        },
    ),
    (
        9,
        18,
        1.5,
        "Søvn og skærm",
        Category.HEALTH,
        12,
        0,
        "Hvorfor kan man ikke sove? Vi taler om søvn, skærm og små ting, der hjælper.",
        {
            "title_en": "Sleep and screens",
            "description_en": "Why can't you sleep? We talk about sleep, screens and small things that help.",
        },
    ),
    (
        11,
        13,
        4,
        "Jobmesse i hubben",
        Category.JOB_FAIR,
        40,
        0,
        "Mød virksomheder og uddannelser, der gerne vil have dig. Kom forbi, når det passer dig.",
        {
            "title_en": "Job fair at the hub",
            "description_en": "Meet companies and schools that would like to have you. Drop by when it suits you.",
        },
    ),
    (
        12,
        17,
        2.5,
        "Fællesspisning",
        Category.COMMUNITY,
        20,
        0,
        "Vi laver mad sammen og spiser ved det lange bord. Alle er velkomne, også hvis du bare vil spise med.",
        {
            "title_en": "Community dinner",
            "description_en": "We cook together and eat at the long table. Everyone is welcome, also if you just "
            "want to eat with us.",
        },
    ),
]


def _at(day: date, hour: float) -> datetime:
    local = datetime.combine(day, time(int(hour), int(hour % 1 * 60)), tzinfo=AARHUS)
    return local.astimezone(ZoneInfo("UTC"))


def _event(
    today: date,
    offset: int,
    hour: float,
    hours: float,
    title,
    category,
    capacity,
    price,
    description,
    extra,
    staff: User,
) -> Event:
    start = _at(today + timedelta(days=offset), hour)
    return Event(
        title=title,
        description=description,
        title_en=extra.get("title_en", ""),
        description_en=extra.get("description_en", ""),
        category=category,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        place=extra.get("place", HUB_PLACE),
        address=extra.get("address", HUB_ADDRESS),
        host_id=staff.id,
        capacity=capacity,
        price_klip=price,
        accessibility=extra.get("accessibility", ""),
        accessibility_en=extra.get("accessibility_en", ""),
        visibility=extra.get("visibility", Visibility.OPEN),
        created_by_id=staff.id,
    )


def _book(session: Session, event: Event, user: User, status: BookingStatus, minutes_ago: int) -> None:
    at = utcnow() - timedelta(minutes=minutes_ago)
    session.add(
        Booking(
            event_id=event.id,
            user_id=user.id,
            status=status,
            ticket_code=secrets.token_urlsafe(16),
            created_at=at,
            confirmed_at=at if status == BookingStatus.CONFIRMED else None,
            waitlisted_at=at if status == BookingStatus.WAITLISTED else None,
        )
    )


def load(session: Session, people: dict[str, User]) -> None:
    staff, sara, mads, amina = people["personale"], people["ung"], people["mads"], people["amina"]
    extras = [
        User(email=f"ung{i}@example.org", name=name, is_young=True, activated_at=utcnow(), avatar_colour=i % 8)
        for i, name in enumerate(["Noah Jensen", "Freja Poulsen", "Ali Yilmaz", "Emma Sørensen", "Lucas Berg"])
    ]
    session.add_all(extras)
    session.flush()
    today = datetime.now(AARHUS).date()
    events = [_event(today, *row, staff=staff) for row in PROGRAM]
    # Open guidance every Tuesday: a weekly series.
    series = uuid.uuid4().hex
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7)
    for week in range(3):
        guidance = _event(
            tuesday,
            week * 7,
            15,
            3,
            "Åben rådgivning",
            Category.COMMUNITY,
            15,
            0,
            "Kom forbi med det, du går og tænker på: bolig, SU, breve fra kommunen. Ingen tidsbestilling.",
            {
                "title_en": "Open advice",
                "description_en": "Drop by with whatever is on your mind: housing, your student grant, letters from "
                "the council. No appointment needed.",
            },
            staff=staff,
        )
        guidance.series_key = series
        events.append(guidance)
    session.add_all(events)
    session.flush()
    by_title = {e.title: e for e in events}
    # Nearly full: the Aarhus Tech visit (5 of 6 seats).
    for i, person in enumerate([mads, amina, *extras[:3]]):
        _book(session, by_title["Besøg på Aarhus Tech"], person, BookingStatus.CONFIRMED, 300 - i)
    # Full with a waitlist: yoga (6 seats taken, Mads waiting).
    yoga = by_title["Yoga for begyndere"]
    yoga.capacity = 6
    for i, person in enumerate([amina, *extras]):
        _book(session, yoga, person, BookingStatus.CONFIRMED, 400 - i)
    _book(session, yoga, mads, BookingStatus.WAITLISTED, 100)
    # Sara has booked the cooking workshop, and asked for company to the CV workshop.
    _book(session, by_title["Mad for en SU"], sara, BookingStatus.CONFIRMED, 60)
    session.flush()
    for person, amount in ((sara, 6), (mads, 4), (amina, 6)):
        credits.grant(session, user_id=person.id, amount=amount, reason="Velkomstklip", actor_id=staff.id)

    climbing = Proposal(
        author_id=amina.id,
        title="Tur til Moesgaard Museum",
        what="En søndag på Moesgaard og en gåtur på stranden bagefter.",
        why="Mange af os har aldrig været der, og det er hyggeligt at gøre sammen.",
        rough_cost_kr=1200,
        status=ProposalStatus.APPROVED,
        budget_kr=1500,
        decided_by_id=staff.id,
        decided_at=utcnow(),
    )
    gaming = Proposal(
        author_id=mads.id,
        title="Gaming-aften i hubben",
        what="En aften med FIFA og Mario Kart på storskærmen, og pizza.",
        why="Så kan man møde nogen uden at skulle snakke hele tiden.",
        rough_cost_kr=600,
    )
    session.add_all([climbing, gaming])
    session.flush()
    session.add_all(
        [
            ProposalBacker(proposal_id=gaming.id, user_id=sara.id),
            ProposalBacker(proposal_id=gaming.id, user_id=amina.id),
            ProposalBacker(proposal_id=climbing.id, user_id=sara.id),
            ProposalComment(
                proposal_id=climbing.id,
                author_id=staff.id,
                body="Fed idé! Vi giver 1.500 kr. fra ungebudgettet. Vil du være med til at planlægge dagen?",
            ),
        ]
    )
    session.flush()
