"""What people do with accounts: sign up, get invited, log in, reset, consent, edit a profile."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.accounts import passwords
from hub.accounts.logins import end_all_logins, hash_token
from hub.accounts.models import (
    AVATAR_COLOURS,
    AccountToken,
    Consent,
    Role,
    SupportType,
    TokenPurpose,
    User,
)
from hub.credits.models import Partner
from hub.db import utcnow
from hub.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

PRIVACY_NOTICE_VERSION = "2026-11"
CONFIRM_LIFETIME = timedelta(hours=24)  # the link that finishes a sign-up


class LoginFailed(DomainError):
    """Wrong e-mail or password: one message for both, so nobody can probe for accounts."""

    status = 422


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def check_password_rules(password: str, *, email: str | None = None, name: str | None = None) -> None:
    """Long enough, not absurdly long, not a common one, not the person's e-mail or name.

    No rules about digits or symbols: length and not being guessable are what count.
    """
    if len(password) < passwords.MIN_LENGTH:
        raise Invalid("password_too_short", str(_l("Use at least 8 characters.")))
    if len(password) > passwords.MAX_LENGTH:
        raise Invalid("password_too_long", str(_l("That password is too long.")))
    if passwords.is_common(password):
        raise Invalid("password_common", str(COMMON_PASSWORD_MESSAGE))
    if passwords.normalise(password) in _personal_words(email, name):
        raise Invalid("password_personal", str(PERSONAL_PASSWORD_MESSAGE))


COMMON_PASSWORD_MESSAGE = _l("That password is one of the most used, so it is easy to guess. Try a few words together.")
PERSONAL_PASSWORD_MESSAGE = _l("Your e-mail or your name is easy to guess. Try a few words together.")


def _personal_words(email: str | None, name: str | None) -> set[str]:
    words = set()
    if email:
        email = passwords.normalise(email)
        words |= {email, email.partition("@")[0]}
    if name:
        name = passwords.normalise(name)
        words |= {name, name.replace(" ", "")}
    return words - {""}


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The user with this e-mail and password, in the same time whether or not they exist."""
    user = find_user_by_email(session, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    # A sign-up not yet confirmed answers as a wrong password does: the login must not tell
    # whether someone signed up with an address either.
    if not ok or user is None or user.awaits_confirmation:
        raise LoginFailed("bad_credentials", str(_l("The e-mail or the password is not right.")))
    if user.disabled_at is not None:
        raise LoginFailed(
            "account_disabled", str(_l("This account is closed. Talk to the staff at the hub to open it again."))
        )
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def _pick_colour(email: str) -> int:
    return sum(email.encode()) % AVATAR_COLOURS


def _new_user(session: Session, *, name: str, email: str, **roles) -> User:
    email = normalize_email(email)
    taken = Conflict("email_taken", str(_l("There is already an account with this e-mail.")))
    if find_user_by_email(session, email) is not None:
        raise taken
    user = User(name=name.strip(), email=email, avatar_colour=_pick_colour(email), **roles)
    try:
        # Two sign-ups with one e-mail at the same moment: the database's unique index decides.
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise taken from None
    return user


def sign_up(session: Session, *, name: str, email: str, password: str, locale: str) -> User:
    """A young person makes their own light account for the open hub (events and messages), at once.

    Only when no mail is set up (a demo on a laptop, the test servers): the address is then never
    checked, and an address that has an account is refused, which tells the one signing up that it
    has one. Without mail there is no other way to answer: a new address is logged in straight
    away, so any other answer to a known one tells the same. Production sets up mail, and sign-up
    goes through `request_sign_up` instead.
    """
    check_password_rules(password, email=email, name=name)
    return _new_user(
        session,
        name=name,
        email=email,
        is_young=True,
        locale=locale,
        password_hash=passwords.hash_password(password),
        activated_at=utcnow(),
    )


@dataclass(frozen=True)
class SignUpMail:
    """What a sign-up mails to the address: a link that finishes it, or (no token) a note that
    the address already has an account."""

    user: User
    token: str | None


def request_sign_up(session: Session, *, name: str, email: str, password: str, locale: str) -> SignUpMail | None:
    """A sign-up that waits until the person opens the link mailed to the address.

    Whatever happens here, the person signing up sees the same answer; only the mail differs. An
    address that has an account keeps it as it is. One with an unconfirmed sign-up gets this one
    in its place: the latest sign-up wins, its link is the only one open, and the link needs the
    password chosen with it, so nobody can sign up with another person's address and have them
    finish it unawares. None: the same address was signed up at the same moment, and that one mails.
    """
    check_password_rules(password, email=email, name=name)
    password_hash = passwords.hash_password(password)  # on every path, so each takes as long
    user = find_user_by_email(session, email)
    if user is not None and not user.awaits_confirmation:
        return SignUpMail(user, None)
    fields = {"name": name.strip(), "locale": locale, "password_hash": password_hash, "unconfirmed_since": utcnow()}
    if user is None:
        try:
            user = _new_user(session, email=email, is_young=True, **fields)
        except Conflict:
            return None
    else:
        _spend_links(session, user.id, TokenPurpose.CONFIRM)
        for field, value in fields.items():
            setattr(user, field, value)
    return SignUpMail(user, _issue_token(session, user=user, actor=None, purpose=TokenPurpose.CONFIRM))


def confirm_sign_up(session: Session, *, token: str, password: str) -> User:
    """The link mailed at sign-up, with the password chosen then: the address is the person's."""
    row = find_token(session, token, TokenPurpose.CONFIRM)
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        raise NotFound("link_invalid", str(_l("This link can no longer be used.")))
    if not passwords.verify_password(user.password_hash, password):
        raise Invalid(
            "wrong_password",
            str(_l("That is not the password you chose. Try again, or make the account once more.")),
        )
    now = utcnow()
    _spend_links(session, user.id)
    user.unconfirmed_since = None
    user.activated_at = now
    session.flush()
    return user


def _drop_unconfirmed(session: Session, email: str) -> None:
    """An unconfirmed sign-up gives way to an invitation: the address was never proved to be its."""
    user = find_user_by_email(session, email)
    if user is not None and user.awaits_confirmation:
        session.delete(user)  # its links go with it; it never logged in, so nothing else is its
        session.flush()


INVITABLE_BY_STAFF = {Role.YOUNG, Role.MENTOR, Role.SUPPORT, Role.PARTNER}


def invite(
    session: Session,
    *,
    actor: User,
    name: str,
    email: str,
    role: Role,
    support_type: SupportType | None = None,
    enrol_in_trial: bool = False,
    partner_id: int | None = None,
) -> tuple[User, str]:
    """Staff create an account and a single-use link where the invitee sets a password.

    A partner account belongs to one partner (a club, a venue) and only redeems its vouchers.
    """
    if not actor.is_staff_member:
        raise Forbidden("not_staff")
    if role in (Role.STAFF, Role.ADMIN) and not actor.is_admin:
        raise Forbidden("admin_only", str(_l("Only an administrator can invite staff.")))
    if role == Role.SUPPORT and support_type is None:
        raise Invalid("support_type_missing", str(_l("Choose which kind of support person.")))
    if role == Role.PARTNER:
        _check_partner(session, partner_id)
    _drop_unconfirmed(session, email)
    user = _new_user(
        session,
        name=name,
        email=email,
        is_young=role == Role.YOUNG,
        is_mentor=role == Role.MENTOR,
        is_staff=role in (Role.STAFF, Role.ADMIN),
        is_admin=role == Role.ADMIN,
        support_type=support_type.value if role == Role.SUPPORT and support_type else None,
        trial_enrolled_at=utcnow() if role == Role.YOUNG and enrol_in_trial else None,
        partner_id=partner_id if role == Role.PARTNER else None,
    )
    token = _issue_token(session, user=user, actor=actor, purpose=TokenPurpose.INVITE)
    return user, token


def _check_partner(session: Session, partner_id: int | None) -> None:
    if partner_id is None:
        raise Invalid("partner_missing", str(_l("Choose which partner the person works for.")))
    if session.get(Partner, partner_id) is None:
        raise Invalid("unknown_partner", str(_l("Choose a partner from the list.")))


def _issue_token(session: Session, *, user: User, actor: User | None, purpose: TokenPurpose) -> str:
    # A link staff make replaces any older unused one of the same kind. One asked for by e-mail does
    # not: anyone can ask for a reset mail, and must not be able to cancel the link the person is
    # about to use (the forgot page allows three an hour per address, each good for an hour).
    if actor is not None:
        _spend_links(session, user.id, purpose)
    token = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            token_hash=hash_token(token),
            purpose=purpose,
            user_id=user.id,
            created_by_id=actor.id if actor else None,
            expires_at=utcnow() + _lifetime(purpose),
        )
    )
    session.flush()
    return token


def _lifetime(purpose: TokenPurpose) -> timedelta:
    if purpose == TokenPurpose.CONFIRM:
        return CONFIRM_LIFETIME
    setting = "INVITE_LIFETIME" if purpose == TokenPurpose.INVITE else "RESET_LIFETIME"
    return timedelta(minutes=current_app.config[setting])


def _spend_links(session: Session, user_id: int, *purposes: TokenPurpose) -> None:
    """Unused invitation and reset links stop working (all kinds, unless some are named)."""
    where = [AccountToken.user_id == user_id, AccountToken.used_at.is_(None)]
    if purposes:
        where.append(AccountToken.purpose.in_(purposes))
    session.exec(update(AccountToken).where(*where).values(used_at=utcnow()))


def issue_invite(session: Session, *, user: User, actor: User | None) -> str:
    """A fresh invitation link for an account that has no password yet."""
    return _issue_token(session, user=user, actor=actor, purpose=TokenPurpose.INVITE)


def issue_reset(session: Session, *, actor: User | None, user: User) -> str:
    """A reset link for `user`: made by staff, or by the user through e-mail (actor None)."""
    if actor is not None and not actor.is_staff_member:
        raise Forbidden("not_staff")
    if actor is not None and user.is_staff_member and not actor.is_admin:
        raise Forbidden("admin_only", str(_l("Only an administrator can reset a staff member's password.")))
    purpose = TokenPurpose.INVITE if user.password_hash is None else TokenPurpose.RESET
    return _issue_token(session, user=user, actor=actor, purpose=purpose)


PASSWORD_LINKS = (TokenPurpose.INVITE, TokenPurpose.RESET)


def find_token(session: Session, token: str, *purposes: TokenPurpose) -> AccountToken:
    """A usable link of one of these kinds (by default one that sets a password), or NotFound:
    used, expired, unknown and other kinds of links look the same."""
    row = session.exec(
        select(AccountToken)
        .where(AccountToken.token_hash == hash_token(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    usable = row is not None and row.used_at is None and row.expires_at > utcnow()
    if not usable or row.purpose not in (purposes or PASSWORD_LINKS):
        raise NotFound(
            "link_invalid",
            str(_l("This link has been used or is too old. Ask the staff at the hub for a new one.")),
        )
    return row


def redeem_token(session: Session, *, token: str, password: str) -> User:
    """Set a password through an invitation or reset link; the link is spent."""
    row = find_token(session, token)
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        raise NotFound("link_invalid", str(_l("This link can no longer be used.")))
    check_password_rules(password, email=user.email, name=user.name)
    now = utcnow()
    _spend_links(session, user.id)  # this one and any other still open: a new password ends them all
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    user.activated_at = user.activated_at or now
    user.unconfirmed_since = None  # the link came by mail, or from staff who met the person
    end_all_logins(session, user.id, reason="password")
    session.flush()
    return user


def change_password(
    session: Session, *, user: User, current: str, new: str, keep_token: str | None, end_others: bool
) -> int:
    """Change a password; other logins end when asked (always, if the old one was wrong)."""
    if not passwords.verify_password(user.password_hash, current):
        raise Invalid("wrong_password", str(_l("Your current password is not right.")))
    check_password_rules(new, email=user.email, name=user.name)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    _spend_links(session, user.id, TokenPurpose.RESET)
    ended = end_all_logins(session, user.id, reason="password", keep_token=keep_token) if end_others else 0
    session.flush()
    return ended


def has_current_consent(session: Session, user: User) -> bool:
    return (
        session.exec(
            select(func.count())
            .select_from(Consent)
            .where(Consent.user_id == user.id, Consent.notice_version == PRIVACY_NOTICE_VERSION)
        ).one()
        > 0
    )


def accept_privacy(session: Session, *, user: User, locale: str) -> Consent:
    consent = Consent(user_id=user.id, notice_version=PRIVACY_NOTICE_VERSION, locale=locale)
    session.add(consent)
    session.flush()
    return consent


def update_profile(
    session: Session,
    *,
    actor: User,
    user: User,
    name: str,
    preferred_name: str | None,
    pronouns: str | None,
    locale: str,
    avatar_colour: int,
) -> User:
    if actor.id != user.id:
        raise NotFound("not_found")
    if locale not in current_app.config["LANGUAGES"]:
        raise Invalid("bad_locale")
    if not 0 <= avatar_colour < AVATAR_COLOURS:
        raise Invalid("bad_colour")
    user.name = name.strip()
    user.preferred_name = (preferred_name or "").strip() or None
    user.pronouns = (pronouns or "").strip() or None
    user.locale = locale
    user.avatar_colour = avatar_colour
    session.flush()
    return user


def set_disabled(session: Session, *, actor: User, user: User, disabled: bool) -> None:
    """Close or reopen an account; closing ends every login at once."""
    if not actor.is_admin:
        raise Forbidden("admin_only")
    if actor.id == user.id:
        raise Invalid("self_disable", str(_l("You cannot close your own account.")))
    if not disabled and _erased(session, user.id):
        raise Conflict("erased", str(_l("This account was deleted at the person's wish. It cannot be opened again.")))
    user.disabled_at = utcnow() if disabled else None
    if disabled:
        end_all_logins(session, user.id, reason="disabled")
    session.flush()


def _erased(session: Session, user_id: int) -> bool:
    from hub.rights.models import Erasure  # the rights domain builds on accounts, not the other way

    return session.get(Erasure, user_id) is not None


def set_trial_enrolment(session: Session, *, actor: User, user: User, enrolled: bool) -> None:
    """Staff enrol an open-hub young person in the support trial, or take them out of it."""
    if not actor.is_staff_member:
        raise Forbidden("not_staff")
    if not user.is_young:
        raise Invalid("not_young", str(_l("Only young people take part in the trial.")))
    if enrolled and user.awaits_confirmation:
        # Anyone can sign up with any address: invite the person, and the invitation replaces it.
        raise Invalid(
            "unconfirmed",
            str(_l("This account's e-mail is not confirmed, so it may not be the person's. Invite them instead.")),
        )
    if enrolled and user.trial_enrolled_at is None:
        user.trial_enrolled_at = utcnow()
    elif not enrolled:
        user.trial_enrolled_at = None
    session.flush()
