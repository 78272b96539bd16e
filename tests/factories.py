"""Factories that build a minimal world. They flush and never commit; the caller does."""

from __future__ import annotations

import itertools

from sqlmodel import Session

from hub.accounts import passwords
from hub.accounts.models import Consent, User
from hub.accounts.second_factor_models import TotpSecret
from hub.accounts.services import PRIVACY_NOTICE_VERSION
from hub.db import utcnow

DEFAULT_PASSWORD = "correct horse battery"
# Staff and admins made here have an authenticator app with this secret (tests.conftest.Auth
# answers the second step with it).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_numbers = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    # Hashing is slow by design; one hash per password per test run is enough.
    if password not in _hash_cache:
        _hash_cache[password] = passwords.hash_password(password)
    return _hash_cache[password]


def make_user(
    session: Session,
    *,
    password: str | None = DEFAULT_PASSWORD,
    consented: bool = True,
    totp: bool | None = None,
    **overrides,
) -> User:
    """A person; staff and admins get a confirmed authenticator app unless `totp=False`."""
    number = next(_numbers)
    values = {
        "email": f"person{number}@example.org",
        "name": f"Person {number} Testesen",
        "activated_at": utcnow(),
    }
    values.update(overrides)
    user = User(**values, password_hash=_hash(password) if password else None)
    session.add(user)
    session.flush()
    if consented:
        session.add(Consent(user_id=user.id, notice_version=PRIVACY_NOTICE_VERSION, locale="da"))
        session.flush()
    if totp if totp is not None else user.is_staff_member:
        session.add(TotpSecret(user_id=user.id, secret=TEST_TOTP_SECRET))
        session.flush()
    return user
