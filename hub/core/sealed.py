"""Columns kept encrypted at rest: readable to the app, not to whoever holds a database dump.

A sealed column holds a Fernet token (AES-128-CBC with an HMAC, from `cryptography`) made with
a key derived from HUB_SECRET_KEY, which lives outside the database. When the secret key is
changed, the old one goes in HUB_SECRET_KEY_FALLBACKS for as long as sealed values made with it
may remain: they are still read, and `flask --app hub reseal` seals them all with the new key.

Sealing is for values the app must read back (an authenticator's secret); what it only has to
recognise is hashed instead (passwords, recovery codes, tokens).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


@lru_cache(maxsize=8)
def _fernet_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"ungehub sealed column")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def sealer(secret_keys: Sequence[str]) -> MultiFernet:
    """Seals with the first key; opens with any of them."""
    return MultiFernet([Fernet(_fernet_key(key)) for key in secret_keys])


def app_sealer() -> MultiFernet:
    config = current_app.config
    return sealer([config["SECRET_KEY"], *config.get("SECRET_KEY_FALLBACKS", [])])


class SealedString(TypeDecorator):
    """A string column stored sealed: Python sees the plain value, the database the token."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else app_sealer().encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else app_sealer().decrypt(value.encode()).decode()
