"""Argon2id password hashes, verified in even time whether or not the account exists."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 1024  # long passphrases are welcome; this only stops absurd payloads


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("hub_password_hasher")
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=current_app.config["ARGON2_TIME_COST"],
            memory_cost=current_app.config["ARGON2_MEMORY_COST"],
        )
        current_app.extensions["hub_password_hasher"] = hasher
        # A real hash to verify against when the account does not exist, so a wrong
        # e-mail costs as much time as a wrong password.
        current_app.extensions["hub_dummy_hash"] = hasher.hash("not a real password")
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or current_app.extensions["hub_dummy_hash"], password) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
