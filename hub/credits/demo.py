"""A catalogue of Aarhus leisure offers, a partner login, a monthly allotment and some history."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session

from hub.accounts.models import User
from hub.credits import services as ledger
from hub.credits.models import Allotment, Audience, Offer, OfferCategory, OfferKind, Partner, Voucher
from hub.db import utcnow

PARTNERS = {
    "bloc": ("Bloc Aarhus", "https://www.blocaarhus.dk"),
    "paradis": ("Øst for Paradis", "https://www.paradisbio.dk"),
    "spanien": ("Badeanstalten Spanien", "https://www.aarhus.dk"),
    "aros": ("ARoS Aarhus Kunstmuseum", "https://www.aros.dk"),
    "godsbanen": ("Godsbanen", "https://www.godsbanen.dk"),
    "kajak": ("Brabrand Kajakklub", ""),
    "roede_kors": ("Røde Kors Aarhus", "https://www.rodekors.dk"),
    "lyseng": ("IF Lyseng Fodbold", ""),
}

# (partner, title, category, kind, price, icon, description, English title, English description)
OFFERS = [
    (
        "bloc",
        "Klatring i Bloc Aarhus",
        OfferCategory.SPORT,
        OfferKind.LEISURE,
        2,
        "star",
        "En dag i klatrehallen med sko og en kort introduktion. Du behøver ikke have prøvet det før.",
        "Climbing at Bloc Aarhus",
        "A day at the climbing centre with shoes and a short introduction. You do not need to have tried it before.",
    ),
    (
        "paradis",
        "Biograftur i Øst for Paradis",
        OfferCategory.CULTURE,
        OfferKind.LEISURE,
        1,
        "ticket",
        "En billet til en film efter eget valg. Vis din billet i kassen.",
        "Cinema at Øst for Paradis",
        "A ticket to a film of your choice. Show your ticket at the box office.",
    ),
    (
        "spanien",
        "Svømning og sauna i Spanien",
        OfferCategory.SPORT,
        OfferKind.LEISURE,
        1,
        "star",
        "Et besøg i det gamle badehus ved havnen, med sauna.",
        "Swimming and sauna at Spanien",
        "A visit to the old bathhouse by the harbour, with a sauna.",
    ),
    (
        "aros",
        "ARoS: entré og regnbuen",
        OfferCategory.CULTURE,
        OfferKind.LEISURE,
        1,
        "ticket",
        "Se udstillingerne og gå en tur i regnbuen på taget.",
        "ARoS: entry and the rainbow",
        "See the exhibitions and walk through the rainbow on the roof.",
    ),
    (
        "godsbanen",
        "Keramik-workshop på Godsbanen",
        OfferCategory.CREATIVE,
        OfferKind.LEISURE,
        3,
        "star",
        "To aftener, hvor du laver din egen kop eller skål. Ler og brænding er med.",
        "Pottery workshop at Godsbanen",
        "Two evenings where you make your own cup or bowl. Clay and firing are included.",
    ),
    (
        "kajak",
        "Kajak på Brabrand Sø",
        OfferCategory.OUTDOOR,
        OfferKind.LEISURE,
        3,
        "star",
        "En prøvetur i kajak med en fra klubben. Redningsvest og tørt tøj bagefter.",
        "Kayaking on Brabrand Lake",
        "A trial trip in a kayak with someone from the club. Life jacket, and dry clothes afterwards.",
    ),
    (
        "roede_kors",
        "Førstehjælpskursus",
        OfferCategory.COURSE,
        OfferKind.LEISURE,
        4,
        "star",
        "Et kursus på en dag, med bevis. Godt at have, også når du søger job.",
        "First aid course",
        "A one-day course with a certificate. Good to have, also when you apply for jobs.",
    ),
    (
        "lyseng",
        "Fodbold: et halvt år i klubben",
        OfferCategory.SPORT,
        OfferKind.LEISURE,
        6,
        "star",
        "Kontingent for et halvt år på et hold, der passer til dig. Træneren ved, du kommer.",
        "Football: half a year at the club",
        "Membership for half a year on a team that suits you. The coach knows you are coming.",
    ),
    (
        None,
        "En, der følges med dig første gang",
        OfferCategory.OTHER,
        OfferKind.COMPANION,
        1,
        "people",
        "En fra hubben eller en frivillig går med dig første gang, du prøver noget nyt.",
        "Someone to go with you the first time",
        "Someone from the hub or a volunteer goes with you the first time you try something new.",
    ),
    (
        None,
        "En snak bagefter",
        OfferCategory.OTHER,
        OfferKind.AFTER_TALK,
        1,
        "chat",
        "Tal med en fra personalet om, hvordan det gik. Bare en kop kaffe og en snak.",
        "A talk afterwards",
        "Talk with one of the staff about how it went. Just a cup of coffee and a chat.",
    ),
]


def load(session: Session, people: dict[str, User]) -> None:
    staff, sara, amina = people["personale"], people["ung"], people["amina"]
    partners = {key: Partner(name=name, website=site) for key, (name, site) in PARTNERS.items()}
    session.add_all(partners.values())
    session.flush()
    offers = [
        Offer(
            partner_id=partners[p].id if p else None,
            title=title,
            category=category,
            kind=kind,
            price_klip=price,
            icon=icon,
            description=description,
            title_en=title_en,
            description_en=description_en,
            link=partners[p].website if p else "",
        )
        for p, title, category, kind, price, icon, description, title_en, description_en in OFFERS
    ]
    session.add_all(offers)
    session.flush()
    session.add(
        User(
            email="bloc@example.org",
            name="Jens Bloc",
            password_hash=people["ung"].password_hash,
            partner_id=partners["bloc"].id,
            activated_at=utcnow(),
            avatar_colour=3,
        )
    )
    session.add(
        Allotment(
            name="Månedens klip",
            audience=Audience.TRIAL,
            amount=4,
            expires_after_days=90,
            created_by_id=staff.id,
        )
    )
    # Amina has a few klip that run out soon; Sara has a cinema ticket waiting.
    ledger.grant(
        session,
        user_id=amina.id,
        amount=3,
        reason="Sommerklip",
        actor_id=staff.id,
        expires_at=utcnow() + timedelta(days=20),
    )
    cinema = next(o for o in offers if o.title.startswith("Biograftur"))
    ticket = Voucher(user_id=sara.id, offer_id=cinema.id, price_klip=cinema.price_klip, qr_secret=secrets.token_hex(32))
    session.add(ticket)
    session.flush()
    ledger.spend(
        session, user_id=sara.id, amount=cinema.price_klip, reason=cinema.title, key="demo-cinema", voucher_id=ticket.id
    )
