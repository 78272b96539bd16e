"""The second factor: authenticator-app codes (TOTP), recovery codes, and an admin's reset.

Staff and admins must prove one before they see anything (the gate is in hub.accounts.auth);
anyone else may set up an authenticator app if they like. A passkey (hub.accounts.passkeys)
counts as a second factor too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from hub.accounts import logins
from hub.accounts.models import User
from hub.accounts.passkey_models import Passkey
from hub.accounts.second_factor_models import RecoveryCode, SecondFactorEvent, TotpSecret
from hub.db import utcnow
from hub.errors import Forbidden, Invalid

ISSUER = "Ungehub"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # a phone's clock may be one step early or late
RECOVERY_CODES = 10
# Wrong codes are counted by the views (hub.accounts.login_throttle.SECOND_FACTOR): where they
# come from decides who waits, and a service knows nothing of the request.


def _wrong_code() -> Invalid:
    return Invalid("wrong_code", str(_l("That code did not work. Check it and try again.")))


# --- which factors a person has ---------------------------------------------------------------


def get_totp(session: Session, user: User, *, lock: bool = False) -> TotpSecret | None:
    statement = select(TotpSecret).where(TotpSecret.user_id == user.id)
    if lock:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def passkey_count(session: Session, user: User) -> int:
    return session.exec(select(func.count()).select_from(Passkey).where(Passkey.user_id == user.id)).one()


def has_second_factor(session: Session, user: User) -> bool:
    """A confirmed authenticator app or any passkey."""
    return get_totp(session, user) is not None or passkey_count(session, user) > 0


def recovery_codes_left(session: Session, user: User) -> int:
    return session.exec(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).one()


def login_needs_second_factor(user: User, login) -> bool:
    """Staff and admins must prove a second factor in each login before they see anything."""
    return user.is_staff_member and login is not None and login.second_factor_at is None


# --- authenticator app -----------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    """What the QR code holds: the secret, the account and the issuer for the app's list."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def current_step(now: datetime | None = None) -> int:
    return int((now or utcnow()).timestamp()) // STEP_SECONDS


def normalize_code(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def matching_step(secret: str, code: str, *, after: int | None, now: datetime | None = None) -> int | None:
    """The step (within the drift window) whose code is `code` and that is later than `after`."""
    code = normalize_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp, now_step = pyotp.TOTP(secret), current_step(now)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue  # RFC 6238 §5.2: a code that was accepted once is never accepted again
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_totp(session: Session, *, user: User, secret: str, code: str) -> list[str] | None:
    """Set up (or replace) the authenticator app once it shows the right code.

    Returns a new set of recovery codes when the person had none left, else None.
    """
    step = matching_step(secret, code, after=None)
    if step is None:
        raise _wrong_code()
    existing = get_totp(session, user, lock=True)
    if existing is not None:
        existing.secret, existing.confirmed_at, existing.last_used_step = secret, utcnow(), step
        log_event(session, user=user, actor=user, action="totp.replaced")
    else:
        session.add(TotpSecret(user_id=user.id, secret=secret, last_used_step=step))
        log_event(session, user=user, actor=user, action="totp.setup")
    session.flush()
    return new_recovery_codes(session, user=user) if recovery_codes_left(session, user) == 0 else None


def verify_totp(session: Session, *, user: User, code: str) -> None:
    """Accept a code from the authenticator app once, or raise `wrong_code`."""
    totp = get_totp(session, user, lock=True)  # one request at a time may use a step
    step = matching_step(totp.secret, code, after=totp.last_used_step) if totp else None
    if step is None:
        raise _wrong_code()
    totp.last_used_step = step
    session.flush()


# --- recovery codes --------------------------------------------------------------------------

_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def _make_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))  # about 59 bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def new_recovery_codes(session: Session, *, user: User) -> list[str]:
    """A fresh set of ten codes; the old set stops working. Only the hashes are kept."""
    session.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_make_code() for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)))
    log_event(session, user=user, actor=user, action="recovery.new_set")
    session.flush()
    return codes


def use_recovery_code(session: Session, *, user: User, code: str) -> None:
    """Accept a recovery code once, or raise `wrong_code`."""
    used = session.exec(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    ).rowcount
    if used != 1:
        raise _wrong_code()
    log_event(session, user=user, actor=user, action="recovery.used")


# --- an admin's reset ------------------------------------------------------------------------


def reset_second_factor(session: Session, *, actor: User, user: User) -> int:
    """Remove someone's authenticator app, recovery codes and passkeys, and end their logins.

    For a staff member who lost their phone. Only an admin, and never on their own account
    (that would let a stolen admin password replace the admin's own second factor).
    Returns how many logins ended.
    """
    if not actor.is_admin:
        raise Forbidden("admin_only")
    if actor.id == user.id:
        raise Forbidden("own_account", str(_l("You cannot reset your own second factor. Ask another admin.")))
    session.exec(delete(TotpSecret).where(TotpSecret.user_id == user.id))
    session.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.exec(delete(Passkey).where(Passkey.user_id == user.id))
    ended = logins.end_all_logins(session, user.id, reason="2fa_reset")
    log_event(session, user=user, actor=actor, action="reset")
    return ended


# --- the security log ------------------------------------------------------------------------


def log_event(session: Session, *, user: User, actor: User | None, action: str) -> None:
    session.add(SecondFactorEvent(user_id=user.id, actor_id=actor.id if actor else None, action=action))
    current_app.logger.info("second factor: %s for user %s by %s", action, user.id, actor.id if actor else None)
