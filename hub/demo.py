"""Realistic Danish demo data, loaded by `make run` on an empty database."""

from __future__ import annotations

from sqlmodel import Session, func, select

from hub.accounts import passwords
from hub.accounts.models import SupportType, User
from hub.db import utcnow

DEMO_PASSWORD = "ungehub-demo"
# Demo staff and admins have an authenticator app with this secret, so a reviewer can log in
# as them: `flask --app hub demo-code EMAIL` prints the current code (or add it to an app).
DEMO_TOTP_SECRET = "KVHEORKIKVBEIRCFJVHVGRKDKJCVIVCA"

# (e-mail, name, preferred name, pronouns, roles)
PEOPLE = [
    ("ung@example.org", "Sara Nielsen", "Sara", "hun", {"young": True, "trial": True}),
    ("mads@example.org", "Mads Kristensen", None, None, {"young": True}),
    ("amina@example.org", "Amina Hassan", None, "hun", {"young": True, "trial": True}),
    ("personale@example.org", "Louise Holm", None, None, {"staff": True}),
    ("jonas@example.org", "Jonas Berg", None, None, {"staff": True, "support": SupportType.PAEDAGOG}),
    ("admin@example.org", "Birgitte Vestergaard", None, None, {"admin": True}),
    ("mentor@example.org", "Peter Madsen", None, None, {"mentor": True}),
    ("sagsbehandler@example.org", "Hanne Lund", None, None, {"support": SupportType.CASEWORKER}),
    ("traener@example.org", "Ali Karimi", None, None, {"support": SupportType.NETWORK}),
]

DEMO_LOGINS = [
    ("ung@example.org", "ung (young person)"),
    ("personale@example.org", "personale (hub staff)"),
    ("mentor@example.org", "mentor (volunteer mentor)"),
    ("sagsbehandler@example.org", "sagsbehandler (caseworker, Sara's chosen support person)"),
    ("traener@example.org", "traener (football coach from a young person's own network)"),
    ("admin@example.org", "admin"),
    ("bloc@example.org", "partner (Bloc Aarhus, redeems vouchers)"),
]


def is_empty(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(User)).one() == 0


def load(session: Session) -> list[User]:
    """Create the demo people; call only on an empty database."""
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    now = utcnow()
    people = []
    for index, (email, name, preferred, pronouns, roles) in enumerate(PEOPLE):
        user = User(
            email=email,
            name=name,
            preferred_name=preferred,
            pronouns=pronouns,
            password_hash=password_hash,
            avatar_colour=index % 8,
            is_young=roles.get("young", False),
            is_staff=roles.get("staff", False),
            is_admin=roles.get("admin", False),
            is_mentor=roles.get("mentor", False),
            support_type=roles["support"].value if "support" in roles else None,
            trial_enrolled_at=now if roles.get("trial") else None,
            activated_at=now,
        )
        session.add(user)
        people.append(user)
    session.flush()
    from hub.accounts.second_factor_models import TotpSecret

    session.add_all(TotpSecret(user_id=user.id, secret=DEMO_TOTP_SECRET) for user in people if user.is_staff_member)
    from hub.checkins import demo as checkins_demo
    from hub.credits import demo as credits_demo
    from hub.evaluation import demo as evaluation_demo
    from hub.events import demo as events_demo
    from hub.messages import demo as messages_demo
    from hub.plans import demo as plans_demo
    from hub.support import demo as support_demo
    from hub.support import menu_demo

    by_login = {email.split("@")[0]: user for email, user in zip([row[0] for row in PEOPLE], people, strict=True)}
    events_demo.load(session, by_login)
    credits_demo.load(session, by_login)
    # The circle first: the support menu, the plan and the check-ins build on who is in it.
    support_demo.load(session, by_login)
    menu_demo.load(session, by_login)
    plans_demo.load(session, by_login)
    checkins_demo.load(session, by_login)
    messages_demo.load(session, by_login)
    evaluation_demo.load(session, by_login)
    return people
