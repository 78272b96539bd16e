"""Demo data for the support circle: a directory of support people in their own words, Sara's
and Amina's circles with a little history, and a suggestion from Sara's own network."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from hub.accounts.models import SupportType, User
from hub.audit import services as audit
from hub.db import utcnow
from hub.support.circle import default_sharing, supporter_kind
from hub.support.models import (
    ChangeKind,
    Nomination,
    SupportChange,
    SupporterProfile,
    SupportLink,
)

# login: (name, support type or "mentor")
NEW_PEOPLE = {
    "uu": ("Mette Frederiksen Dahl", SupportType.UU_VEJLEDER),
    "uddannelse": ("Karim Said", SupportType.EDUCATION_CONSULTANT),
    "stoettekontakt": ("Lene Bach", SupportType.CONTACT_PERSON),
    "mentor2": ("Sofie Andersen", "mentor"),
    "sagsbehandler2": ("Thomas Vinther", SupportType.CASEWORKER),
}

# login: (about, helps with, languages, reachable, phone, organisation)
PROFILES = {
    "jonas": (
        "Jeg har været pædagog på en døgninstitution i 12 år, og jeg ved, hvor meget der sker på én gang, "
        "når man fylder 18. Jeg er god til hverdagen: post, budget, at komme op om morgenen.",
        "housing,economy,leisure",
        "Dansk, engelsk",
        "Hverdage 10-18 i hubben",
        "20 11 22 33",
        "",
    ),
    "sagsbehandler": (
        "Jeg er din sagsbehandler i kommunen, men jeg vil helst være den, du kan ringe til, når noget er svært. "
        "Jeg kender reglerne, så du ikke behøver.",
        "housing,economy,education",
        "Dansk, engelsk",
        "Man-tor 9-15. Skriv en sms, så ringer jeg tilbage",
        "41 87 22 10",
        "",
    ),
    "mentor": (
        "Jeg har selv boet på institution, fra jeg var 11. I dag læser jeg til socialrådgiver. "
        "Jeg er ikke fra kommunen: jeg er bare en, der har prøvet det og gerne vil gå et stykke af vejen med dig.",
        "relations,leisure,education",
        "Dansk",
        "Aftener og weekender",
        "",
        "Ungdommens Røde Kors",
    ),
    "uu": (
        "Jeg hjælper dig med at finde ud af, hvad du vil: uddannelse, praktik eller job. "
        "Det er helt okay ikke at vide det endnu.",
        "education,job",
        "Dansk, engelsk",
        "Hverdage 9-15, og i hubben om tirsdagen",
        "87 13 45 60",
        "",
    ),
    "uddannelse": (
        "Jeg har selv droppet ud to gange, før det lykkedes. Jeg kender uddannelserne i Aarhus "
        "og hjælper dig med SU, ansøgninger og at blive på holdet.",
        "education,economy",
        "Dansk, arabisk, engelsk",
        "Hverdage 8-16",
        "87 13 45 71",
        "",
    ),
    "stoettekontakt": (
        "Jeg er støttekontaktperson. Vi ses, når du har brug for det, uden ventetid. "
        "Vi kan gå en tur, handle ind eller tage til lægen sammen.",
        "health,housing,relations",
        "Dansk",
        "Hverdage, og aftener efter aftale",
        "30 55 12 98",
        "",
    ),
    "mentor2": (
        "Jeg er 24 og læser medicin. Jeg elsker at spille bold og lave mad. "
        "Jeg vil gerne være en at snakke med, som ikke er en voksen fra systemet.",
        "health,leisure,relations",
        "Dansk, engelsk, tysk",
        "Weekender og torsdag aften",
        "",
        "Mentorhuset Aarhus",
    ),
    "sagsbehandler2": (
        "Jeg arbejder med unge over 18 i Ungestøtte. Jeg lover at svare, og at sige det ligeud, "
        "hvis jeg ikke kan hjælpe, og hvem der så kan.",
        "housing,economy,job",
        "Dansk",
        "Man-fre 9-14",
        "41 87 22 35",
        "",
    ),
}


def _people(session: Session, by_login: dict[str, User]) -> None:
    template = by_login["ung"]
    now = utcnow()
    for index, (login, (name, kind)) in enumerate(NEW_PEOPLE.items()):
        user = User(
            email=f"{login}@example.org",
            name=name,
            password_hash=template.password_hash,
            avatar_colour=(index + 3) % 8,
            is_mentor=kind == "mentor",
            support_type=None if kind == "mentor" else kind.value,
            activated_at=now,
        )
        session.add(user)
        by_login[login] = user
    session.flush()


def _profiles(session: Session, by_login: dict[str, User]) -> None:
    staff_contact = by_login["personale"]
    for login, (about, helps, languages, reachable, phone, organisation) in PROFILES.items():
        mentor = supporter_kind(by_login[login]) == "mentor"
        session.add(
            SupporterProfile(
                user_id=by_login[login].id,
                about=about,
                helps_with=helps,
                languages=languages,
                reachable=reachable,
                phone=phone,
                listed=True,
                organisation=organisation,
                agreement_on=date(2026, 8, 14) if mentor else None,
                training_on=date(2026, 8, 28) if mentor else None,
                staff_contact_id=staff_contact.id if mentor else None,
            )
        )
    session.flush()


def _link(session, young: User, person: User, *, days_ago: int, primary=False, **sharing) -> SupportLink:
    started = utcnow() - timedelta(days=days_ago)
    link = SupportLink(
        young_id=young.id,
        supporter_id=person.id,
        is_primary=primary,
        started_at=started,
        **{**default_sharing(person), **sharing},
    )
    session.add(link)
    session.flush()
    session.add(
        SupportChange(young_id=young.id, kind=ChangeKind.PERSON_ADDED, at=started, by_id=young.id, link_id=link.id)
    )
    if primary:
        session.add(
            SupportChange(
                young_id=young.id,
                kind=ChangeKind.PRIMARY_CHOSEN,
                at=started,
                by_id=young.id,
                link_id=link.id,
                supporter_type=supporter_kind(person) or "",
            )
        )
    return link


def load(session: Session, by_login: dict[str, User]) -> None:
    _people(session, by_login)
    _profiles(session, by_login)
    sara, amina, now = by_login["ung"], by_login["amina"], utcnow()

    # Sara began with Jonas from the hub, then chose Hanne, and later ended it with Jonas.
    jonas = _link(session, sara, by_login["jonas"], days_ago=150, primary=True)
    jonas.is_primary = False
    session.flush()
    hanne = _link(session, sara, by_login["sagsbehandler"], days_ago=60, primary=True)
    jonas.ended_at, jonas.ended_by_id = now - timedelta(days=45), sara.id
    session.add(
        SupportChange(
            young_id=sara.id, kind=ChangeKind.PERSON_ENDED, at=jonas.ended_at, by_id=sara.id, link_id=jonas.id
        )
    )
    peter = _link(session, sara, by_login["mentor"], days_ago=40, see_plan=True, see_bookings=True)
    _link(session, amina, by_login["mentor"], days_ago=20, primary=True)

    session.add(
        Nomination(
            young_id=sara.id,
            name="Ali Karimi",
            relation="Min fodboldtræner i Brabrand IF. Han har kendt mig i fem år.",
            email="traener@example.org",
            phone="22 45 67 89",
            note="Han ved godt, at jeg har spurgt om det.",
            created_at=now - timedelta(days=2),
        )
    )
    for link, area, days, hour in [
        (hanne, "plan", 6, 10),
        (hanne, "bookings", 3, 14),
        (hanne, "plan", 1, 9),
        (peter, "plan", 4, 19),
        (peter, "bookings", 2, 20),
    ]:
        at = (now - timedelta(days=days)).replace(hour=hour, minute=12)
        reader = session.get(User, link.supporter_id)
        audit.record(session, actor=reader, young_id=link.young_id, area=area, now=at)
    session.flush()
