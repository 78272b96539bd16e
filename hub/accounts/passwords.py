"""Argon2id password hashes, verified in even time whether or not the account exists; and the
list of the most common passwords, which nobody may choose."""

from __future__ import annotations

import functools
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 1024  # long passphrases are welcome; this only stops absurd payloads
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")  # source and licence at its top


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


def normalise(password: str) -> str:
    """How passwords are compared with the list and with a person's name: case and edges do not count."""
    return password.strip().casefold()


@functools.cache
def _common() -> frozenset[str]:
    # Read once per process, on first use: read-only data, so sharing it between threads is safe.
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(normalise(line) for line in lines if line.strip() and not line.startswith("# "))


def is_common(password: str) -> bool:
    """One of the most used passwords (so among the first that anyone guesses)."""
    return normalise(password) in _common()
