"""Realistic data for the benchmarks: a hub a year into its life, at any scale.

At scale 1: 300 young people and 10 staff; 60 events over three and a half months (most of them
past); 10 bookings, 10 klip ledger entries and 5 notifications per young person; 450
conversations with 6 messages each; a plan with goals and steps for a third of them. Scale 10
and 100 multiply every count, so the same pages can be asked for at 10× and 100× the data.

Two people are the ones the benchmarks log in as (`YOUNG_EMAIL`, `STAFF_EMAIL`, password
`PASSWORD`, the staff member's authenticator secret `TOTP_SECRET`). The young one's own lists
(bookings, ledger, conversations, notifications, plan) grow with the scale as well: at scale 1
they are an ordinary young person, at scale 100 one with a hundred times as much history, so a
page that asks the database once per row of theirs shows it in its query count.

Rows go in with SQLAlchemy Core bulk inserts and ids chosen here (the database is fresh), which
is what makes 100× take seconds rather than minutes; PostgreSQL's id sequences are moved past
them afterwards so the app can insert its own rows.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import hub.models  # noqa: F401 (every table, for create_all)
from hub import create_app
from hub.accounts.services import PRIVACY_NOTICE_VERSION
from hub.demo import DEMO_TOTP_SECRET

PASSWORD = "ungehub-bench"
YOUNG_EMAIL = "ung@bench.example.org"
STAFF_EMAIL = "personale@bench.example.org"
TOTP_SECRET = DEMO_TOTP_SECRET
# The app's secret key on the benchmark's database: the server and the in-process app use it
# too, since values sealed at rest (the authenticator secret) are sealed with it. Bench only.
SECRET_KEY = "ungehub-bench-secret-key"
CHUNK = 5000  # rows per INSERT statement

FIRST_NAMES = ["Sara", "Mads", "Amina", "Jonas", "Freja", "Ali", "Emma", "Noah", "Laura", "Oscar", "Ida", "Yusuf"]
LAST_NAMES = ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Hassan", "Christensen", "Larsen", "Karimi"]
EVENT_TITLES = [
    ("workshop", "Budget på SU", "Ungehuset, mødelokale 2"),
    ("community", "Fællesspisning", "Ungehuset, køkkenet"),
    ("health", "Yoga for begyndere", "Ungehuset, salen"),
    ("excursion", "Besøg på Aarhus Tech", "Hasselager Allé 2"),
    ("job_fair", "Jobmesse: mød arbejdsgivere", "Ungehuset, salen"),
    ("group", "Ny i egen bolig", "Ungehuset, mødelokale 1"),
    ("workshop", "Madlavning for 50 kr.", "Ungehuset, køkkenet"),
    ("community", "Åben rådgivning", "Ungehuset, caféen"),
]
TOPICS = ["housing", "feelings", "substances", "trouble", "education", "job", "money", "other"]
YOUNG_LINES = [
    "Hej, jeg har fået et brev fra kommunen, som jeg ikke forstår. Kan I hjælpe mig?",
    "Jeg kan ikke finde ud af, hvordan jeg søger boligstøtte.",
    "Kan jeg komme forbi i morgen efter skole?",
    "Tak, det hjalp rigtig meget!",
]
STAFF_LINES = [
    "Hej! Selvfølgelig. Tag brevet med, så kigger vi på det sammen.",
    "Vi kan gøre det sammen på borger.dk – har du MitID med?",
    "Ja, vi er her til kl. 18. Spørg efter mig i caféen.",
    "Godt at høre. Skriv endelig igen, hvis der er mere.",
]
GOALS = [
    ("housing", "Finde min egen lejlighed", ["Skrive mig op hos boligforeninger", "Søge boligstøtte"]),
    ("education", "Blive færdig med HF", ["Aflevere dansk-opgaven", "Tale med studievejlederen"]),
    ("economy", "Få styr på min økonomi", ["Lave et budget", "Oprette en opsparing"]),
    ("health", "Sove bedre", ["Ingen skærm efter kl. 23", "Gå en tur hver dag"]),
]


@dataclass(frozen=True)
class Sizes:
    """How many of each thing a scale makes."""

    young: int
    staff: int
    events: int
    bookings_per_young: int
    entries_per_young: int
    notifications_per_young: int
    conversations: int
    messages_per_conversation: int
    persona_factor: float  # the logged-in young person's own lists, relative to an ordinary one


def sizes(scale: float) -> Sizes:
    return Sizes(
        young=max(10, round(300 * scale)),
        staff=min(200, max(3, round(10 * scale))),
        events=max(8, round(60 * scale)),
        bookings_per_young=10,
        entries_per_young=10,
        notifications_per_young=5,
        conversations=max(10, round(450 * scale)),
        messages_per_conversation=6,
        persona_factor=max(1.0, scale),
    )


@dataclass
class Made:
    """What was made: the row counts per table and the ids the benchmarks need."""

    scale: float
    counts: dict[str, int] = field(default_factory=dict)
    young_id: int = 0
    staff_id: int = 0
    conversation_id: int = 0  # one of the logged-in young person's conversations
    event_id: int = 0  # an upcoming event they can see

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


# --- the database ------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    """Drop and create the database the URL names, with the schema; it must be one of its own."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        from pathlib import Path

        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
    else:
        name = parsed.database
        if name in {None, "", "postgres", "template0", "template1", "test"}:
            raise ValueError(f"refusing to drop the database {name!r}: give the benchmark a database of its own")
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()


def _insert(conn, table: str, rows: list[dict]) -> int:
    """Bulk insert in chunks (one multi-row INSERT each)."""
    target = SQLModel.metadata.tables[table]
    for start in range(0, len(rows), CHUNK):
        conn.execute(target.insert(), rows[start : start + CHUNK])
    return len(rows)


def _move_sequences(conn, tables: Iterable[str]) -> None:
    """PostgreSQL: let the app's own inserts continue after the ids chosen here."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        )


# --- the generator -----------------------------------------------------------------------------


class _Builder:
    """Makes the rows for one scale; `rows[table]` is what goes in."""

    def __init__(self, scale: float, now: datetime, password_hash: str, seed: int) -> None:
        self.size = sizes(scale)
        self.now = now
        self.password_hash = password_hash
        self.random = random.Random(seed)
        self.rows: dict[str, list[dict]] = {}

    def add(self, table: str, **row) -> int:
        """Append a row; give it the next id when the table has an `id` column."""
        rows = self.rows.setdefault(table, [])
        if "id" in SQLModel.metadata.tables[table].columns and "id" not in row:
            row["id"] = len(rows) + 1
        rows.append(row)
        return row.get("id", 0)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    # people

    def person(self, email: str, name: str, **roles) -> int:
        user_id = self.add(
            "user_account",
            email=email,
            name=name,
            preferred_name=None,
            pronouns=None,
            password_hash=self.password_hash,
            avatar_colour=len(self.rows.get("user_account", [])) % 8,
            is_young=roles.get("young", False),
            is_staff=roles.get("staff", False),
            trial_enrolled_at=roles.get("trial"),
            created_at=self.ago(400),
            activated_at=self.ago(400),
        )
        self.add(
            "consent", user_id=user_id, notice_version=PRIVACY_NOTICE_VERSION, locale="da", accepted_at=self.ago(400)
        )
        return user_id

    def people(self) -> tuple[int, list[int], list[int]]:
        """The logged-in pair first, then everyone else; returns (staff id, staff, young)."""
        staff_id = self.person(STAFF_EMAIL, "Louise Holm", staff=True)
        young_id = self.person(YOUNG_EMAIL, "Sara Nielsen", young=True, trial=self.ago(300))
        staff = [staff_id]
        for i in range(self.size.staff - 1):
            staff.append(self.person(f"staff{i}@bench.example.org", self._name(i), staff=True))
        young = [young_id]
        for i in range(self.size.young - 1):
            trial = self.ago(300) if i % 2 == 0 else None
            young.append(self.person(f"young{i}@bench.example.org", self._name(i + 7), young=True, trial=trial))
        for user_id in staff:
            self.add("totp_secret", user_id=user_id, secret=TOTP_SECRET, confirmed_at=self.ago(400))
        return staff_id, staff, young

    def _name(self, i: int) -> str:
        return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]}"

    def own_count(self, user_id: int, young_id: int, ordinary: int) -> int:
        """An ordinary young person's count, or the logged-in one's (it grows with the scale)."""
        return round(ordinary * self.size.persona_factor) if user_id == young_id else ordinary

    # events and bookings

    def events(self, staff: list[int]) -> list[tuple[int, datetime]]:
        """Events from 75 days ago to 30 days ahead, one every few hours in opening time."""
        made = []
        span = 105.0
        for i in range(self.size.events):
            category, title, place = EVENT_TITLES[i % len(EVENT_TITLES)]
            day = -75 + span * i / self.size.events
            starts = (self.now + timedelta(days=day)).replace(minute=0, second=0, microsecond=0)
            event_id = self.add(
                "event",
                title=title,
                description="Vi mødes, lærer noget sammen og spiser bagefter. Alle er velkomne.",
                category=category,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                place=place,
                address="Vestergade 1, 8000 Aarhus C",
                host_id=staff[i % len(staff)],
                capacity=self.random.choice([12, 20, 30, 40]),
                price_klip=self.random.choice([0, 0, 0, 1, 2]),
                visibility="trial" if i % 7 == 0 else "open",
                status="cancelled" if i % 29 == 0 else "scheduled",
                created_at=starts - timedelta(days=21),
            )
            made.append((event_id, starts))
        # Something on every day around now, at any scale: the pages about today and the
        # coming days then have rows to show at 1× as at 100×, so their counts compare.
        for day in range(-3, 15):
            starts = (self.now + timedelta(days=day)).replace(hour=15, minute=0, second=0, microsecond=0)
            category, title, place = EVENT_TITLES[day % len(EVENT_TITLES)]
            event_id = self.add(
                "event",
                title=title,
                description="Kom som du er. Vi har kaffe og kage.",
                category=category,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                place=place,
                address="Vestergade 1, 8000 Aarhus C",
                host_id=staff[day % len(staff)],
                capacity=30,
                price_klip=0,
                visibility="open",
                status="scheduled",
                created_at=starts - timedelta(days=21),
            )
            made.append((event_id, starts))
        return made

    def bookings(self, young: list[int], young_id: int, events: list[tuple[int, datetime]]) -> None:
        # The logged-in young person has a seat at the next event and waits for one at the one
        # after, at any scale: the pages then show both kinds at 1× as at 100×.
        soon = sorted((e for e in events if e[1] > self.now + timedelta(hours=12)), key=lambda e: e[1])[:2]
        forced = dict(zip([event_id for event_id, _ in soon], ["confirmed", "waitlisted"], strict=False))
        for user_id in young:
            count = min(len(events), self.own_count(user_id, young_id, self.size.bookings_per_young))
            chosen = self.random.sample(events, count)
            if user_id == young_id:
                chosen = soon + [e for e in chosen if e[0] not in forced][: count - len(soon)]
            for event_id, starts in chosen:
                past = starts < self.now
                status = self.random.choices(["confirmed", "cancelled", "waitlisted"], [8, 1, 1])[0]
                if user_id == young_id and event_id in forced:
                    status = forced[event_id]
                if past and status == "waitlisted":
                    status = "expired"
                self.add(
                    "booking",
                    event_id=event_id,
                    user_id=user_id,
                    status=status,
                    ticket_code=secrets.token_hex(12),
                    created_at=starts - timedelta(days=7),
                    confirmed_at=starts - timedelta(days=7) if status == "confirmed" else None,
                    cancelled_at=starts - timedelta(days=1) if status == "cancelled" else None,
                    checked_in_at=starts if past and status == "confirmed" and self.random.random() < 0.8 else None,
                )

    # klip

    def klip(self, young: list[int], young_id: int) -> None:
        """A monthly grant and spends on events and offers, the balance never below zero."""
        for index, user_id in enumerate(young):
            self.add("klip_account", user_id=user_id, created_at=self.ago(400))
            if index % 10 == 0:  # klip about to run out (the home pages mention them)
                self.add(
                    "klip_entry",
                    user_id=user_id,
                    amount=5,
                    kind="grant",
                    reason="Sommerklip",
                    expires_at=self.now + timedelta(days=10),
                    created_at=self.ago(170),
                )
            balance = 0
            count = self.own_count(user_id, young_id, self.size.entries_per_young)
            for n in range(count):
                at = self.ago(365 * (count - n) / count)
                if balance < 2 or n % 3 == 0:
                    amount, kind, reason = 10, "grant", "Månedens klip"
                    expires = at + timedelta(days=180)
                else:
                    amount, kind, reason = -self.random.randint(1, min(balance, 5)), "spend", "Fællesspisning"
                    expires = None
                balance += amount
                self.add(
                    "klip_entry",
                    user_id=user_id,
                    amount=amount,
                    kind=kind,
                    reason=reason,
                    expires_at=expires,
                    created_at=at,
                )

    def offers(self) -> None:
        for i, name in enumerate(["Bloc Aarhus", "Aarhus Svømmeklub", "Filmbyen Bio"]):
            partner_id = self.add("partner", name=name, website="", created_at=self.ago(400))
            for j, (title, category) in enumerate([("Et klippekort", "sport"), ("En billet", "culture")]):
                self.add(
                    "offer",
                    title=f"{title} – {name}",
                    category=category,
                    partner_id=partner_id,
                    price_klip=3 + i + j,
                    description="Brug dine klip hos en af vores partnere.",
                    created_at=self.ago(300),
                )

    # messages

    def conversations(self, young: list[int], young_id: int, staff: list[int]) -> int:
        """Conversations with the hub, newest last; returns one of the logged-in young person's."""
        own = self.own_count(young_id, young_id, 2)
        owners = [young_id] * own + [self.random.choice(young[1:] or young) for _ in range(self.size.conversations)]
        first_own = 0
        for n, owner in enumerate(owners):
            status = self.random.choices(["open", "waiting", "closed"], [3, 4, 3])[0]
            started = self.ago(self.random.uniform(0.1, 120))
            assigned = self.random.choice(staff)
            conversation_id = self.add(
                "conversation",
                young_id=owner,
                topic=TOPICS[n % len(TOPICS)],
                started_by_id=owner,
                status=status,
                assigned_to_id=assigned,
                urgent=n % 20 == 0,
                created_at=started,
                last_message_at=started,
                first_response_at=started + timedelta(hours=2),
                closed_at=started + timedelta(days=3) if status == "closed" else None,
            )
            first_own = first_own or conversation_id
            at = started
            for m in range(self.size.messages_per_conversation):
                from_young = m % 2 == 0
                lines = YOUNG_LINES if from_young else STAFF_LINES
                self.add(
                    "message",
                    conversation_id=conversation_id,
                    author_id=owner if from_young else assigned,
                    body=lines[m // 2 % len(lines)],
                    internal=False,
                    created_at=at,
                )
                at += timedelta(minutes=self.random.randint(5, 600))
            self.rows["conversation"][-1]["last_message_at"] = at
            self.add("read_mark", conversation_id=conversation_id, user_id=owner, read_at=at)
            self.add("read_mark", conversation_id=conversation_id, user_id=assigned, read_at=at - timedelta(hours=1))
        return first_own

    def notifications(self, young: list[int], young_id: int) -> None:
        for user_id in young:
            count = self.own_count(user_id, young_id, self.size.notifications_per_young)
            for n in range(count):
                at = self.ago(60 * (count - n) / count)
                self.add(
                    "notification",
                    user_id=user_id,
                    kind="event_reminder",
                    title="Påmindelse: Fællesspisning i morgen kl. 18",
                    body="Husk, at du har booket en plads.",
                    url="/events",
                    created_at=at,
                    read_at=at + timedelta(hours=3) if n < count - 2 else None,
                    push_status="sent",
                )

    def plans(self, young: list[int], young_id: int) -> None:
        """A plan for every third young person (and the logged-in one), with goals and steps."""
        goal_id = 0
        for user_id in [u for i, u in enumerate(young) if i % 3 == 0]:
            self.add(
                "plan",
                young_id=user_id,
                dreams="At have mit eget sted og en uddannelse.",
                created_at=self.ago(200),
                updated_at=self.ago(20),
            )
            goals = self.own_count(user_id, young_id, len(GOALS))
            for g in range(goals):
                area, title, steps = GOALS[g % len(GOALS)]
                goal_id = self.add(
                    "plan_goal",
                    young_id=user_id,
                    area=area,
                    title=title,
                    why="Det er vigtigt for mig.",
                    status="in_progress",
                    position=g,
                    created_at=self.ago(200),
                    updated_at=self.ago(20),
                )
                for s, what in enumerate(steps):
                    self.add(
                        "plan_step",
                        goal_id=goal_id,
                        what=what,
                        status="done" if s == 0 else "not_started",
                        position=s,
                        created_at=self.ago(190),
                        updated_at=self.ago(10),
                    )


def password_hash() -> str:
    """One cheap Argon2 hash for everyone: logging in is not what is measured."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)


def generate(url: str, scale: float = 1.0, *, now: datetime | None = None, seed: int = 7) -> Made:
    """Fill a fresh database (see `recreate_database`) with a hub's worth of data at `scale`."""
    now = now or datetime.now(UTC)
    build = _Builder(scale, now, password_hash(), seed)
    staff_id, staff, young = build.people()
    events = build.events(staff)
    build.bookings(young, young_id=young[0], events=events)
    build.offers()
    build.klip(young, young_id=young[0])
    conversation_id = build.conversations(young, young[0], staff)
    build.notifications(young, young[0])
    build.plans(young, young[0])
    upcoming = next((event_id for event_id, starts in events if starts > now), events[-1][0])

    made = Made(scale=scale, young_id=young[0], staff_id=staff_id, conversation_id=conversation_id, event_id=upcoming)
    engine: Engine = create_engine(url)
    order = [t.name for t in SQLModel.metadata.sorted_tables if t.name in build.rows]
    # Sealed columns (the authenticator secret) are sealed with the current app's secret key.
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context(), engine.begin() as conn:
        for table in order:
            made.counts[table] = _insert(conn, table, build.rows[table])
        _move_sequences(conn, [t for t in order if "id" in SQLModel.metadata.tables[t].columns])
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()
    app.extensions["hub_engine"].dispose()
    return made
