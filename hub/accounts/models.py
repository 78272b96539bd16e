"""Accounts: people, their logins, single-use links and what they consented to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Index, inspect
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


def utc_column(**kwargs) -> Column:
    return Column(UTCDateTime(), **kwargs)


class SupportType(StrEnum):
    """The kinds of support person a young person may choose as primary."""

    CASEWORKER = "caseworker"
    UU_VEJLEDER = "uu_vejleder"
    EDUCATION_CONSULTANT = "uddannelseskonsulent"
    PAEDAGOG = "paedagog"
    CONTACT_PERSON = "stoettekontaktperson"
    NETWORK = "network"


SUPPORT_TYPE_LABELS = {
    SupportType.CASEWORKER: _l("Caseworker"),
    SupportType.UU_VEJLEDER: _l("Education guidance counsellor (UU)"),
    SupportType.EDUCATION_CONSULTANT: _l("Education consultant"),
    SupportType.PAEDAGOG: _l("Pedagogue"),
    SupportType.CONTACT_PERSON: _l("Support contact person"),
    SupportType.NETWORK: _l("Someone from your own network"),
}


class Role(StrEnum):
    YOUNG = "young"
    SUPPORT = "support"
    MENTOR = "mentor"
    STAFF = "staff"
    ADMIN = "admin"
    PARTNER = "partner"


ROLE_LABELS = {
    Role.YOUNG: _l("Young person"),
    Role.SUPPORT: _l("Support person"),
    Role.MENTOR: _l("Volunteer mentor"),
    Role.STAFF: _l("Hub staff"),
    Role.ADMIN: _l("Administrator"),
    Role.PARTNER: _l("Partner"),
}

AVATAR_COLOURS = 8  # avatar--c0 … avatar--c7 in app.css


class User(SQLModel, table=True):
    """Anyone who logs in. One account may hold several adult roles (staff and support person)."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lower-case
    password_hash: str | None = Field(default=None, max_length=255)
    name: str = Field(max_length=120)
    preferred_name: str | None = Field(default=None, max_length=60)
    pronouns: str | None = Field(default=None, max_length=40)
    locale: str = Field(default="da", max_length=5)
    avatar_colour: int = Field(default=0)
    is_young: bool = Field(default=False)
    is_staff: bool = Field(default=False)
    is_admin: bool = Field(default=False)
    is_mentor: bool = Field(default=False)
    support_type: str | None = Field(default=None, max_length=30)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", ondelete="SET NULL")
    trial_enrolled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    activated_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    disabled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # A young person who has stepped away: their door stays open, and they can reopen it.
    left_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    password_changed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Signed up on their own and has not yet opened the link mailed to the address: no login
    # yet, a staff invitation to the address replaces it, and it is forgotten after a few days.
    unconfirmed_since: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))

    # Flask-Login's protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None and self.password_hash is not None and not self.awaits_confirmation

    @property
    def awaits_confirmation(self) -> bool:
        return self.unconfirmed_since is not None

    def get_id(self) -> str | None:
        # Flask-Login keeps this in the session cookie: the login's token, not the user id,
        # so ending a login on the server ends every copy of its cookie.
        return inspect(self).info.get("login_token")

    def bind_login(self, token: str) -> None:
        """Mark which login (UserSession) this request runs under."""
        inspect(self).info["login_token"] = token

    @property
    def roles(self) -> set[Role]:
        flags = {
            Role.YOUNG: self.is_young,
            Role.SUPPORT: self.support_type is not None,
            Role.MENTOR: self.is_mentor,
            Role.STAFF: self.is_staff or self.is_admin,
            Role.ADMIN: self.is_admin,
            Role.PARTNER: self.partner_id is not None,
        }
        return {role for role, held in flags.items() if held}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff_member(self) -> bool:
        """Hub staff and admins: the people who need a stronger, shorter login."""
        return self.is_staff or self.is_admin

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.name.split(" ")[0]

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        letters = "".join(p[0] for p in parts[:1] + parts[1:][-1:])
        return letters.upper() or "?"


class UserSession(SQLModel, table=True):
    """One login on one device. Ending it ends every copy of its cookie."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_open", "user_id", "ended_at"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    remember: bool = Field(default=False)
    user_agent: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    ended_reason: str | None = Field(default=None, max_length=20)
    # When this login proved a second factor (a passkey, an authenticator code or a recovery
    # code); staff see nothing of young people's until it has.
    second_factor_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class TokenPurpose(StrEnum):
    INVITE = "invite"
    RESET = "reset"
    CONFIRM = "confirm"  # finishes a sign-up: proves the address is the person's


class AccountToken(SQLModel, table=True):
    """A single-use, expiring link: an invitation, a password reset or a sign-up to confirm."""

    __tablename__ = "account_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=10)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Consent(SQLModel, table=True):
    """That a person accepted a version of the privacy notice, and when."""

    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    notice_version: str = Field(max_length=20)
    locale: str = Field(max_length=5)
    accepted_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
