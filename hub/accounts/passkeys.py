"""Passkeys: make one, log in with one, prove a second factor with one (WebAuthn via py_webauthn).

Every ceremony starts with a challenge kept in the database (any worker may finish it) and
ends by consuming it with a guarded UPDATE, so a browser's signed answer works once only.
The server learns which challenge an answer is for from the answer's clientDataJSON, and then
insists that the challenge is its own, unused, unexpired and made for this purpose and person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlmodel import Session, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.parse_authentication_credential_json import parse_authentication_credential_json
from webauthn.helpers.parse_registration_credential_json import parse_registration_credential_json
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from hub.accounts.models import User
from hub.accounts.passkey_models import ChallengePurpose, Passkey, PasskeyChallenge
from hub.db import utcnow
from hub.errors import Invalid, NotFound

CHALLENGE_LIFETIME = timedelta(minutes=5)
BROWSER_TIMEOUT_MS = 3 * 60 * 1000  # how long the browser's own prompt may stay open
NAME_MAX = 60

# Anything a hostile or broken browser can send makes one of these while being parsed.
_BAD_INPUT = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError, IndexError)


class PasskeyError(Invalid):
    """A passkey ceremony failed; `code` says how (bad_response, bad_challenge, unknown_passkey …)."""


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys belong to: the site's domain (`id`), its origin and its name."""

    id: str
    origin: str
    handle_key: bytes  # makes the user handles an authenticator keeps (see user_handle)
    name: str = "Ungehub"


def _hash(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def user_handle(rp: RelyingParty, user: User) -> bytes:
    """The id an authenticator stores for the person: stable, and telling nothing about them."""
    return hmac.new(rp.handle_key, f"passkey-user:{user.id}".encode(), hashlib.sha256).digest()


# --- challenges ------------------------------------------------------------------------


def _new_challenge(session: Session, purpose: ChallengePurpose, user_id: int | None) -> bytes:
    now = utcnow()
    session.exec(delete(PasskeyChallenge).where(PasskeyChallenge.expires_at < now))  # tidy as we go
    challenge = secrets.token_bytes(32)
    session.add(
        PasskeyChallenge(
            challenge_hash=_hash(challenge),
            purpose=purpose,
            user_id=user_id,
            expires_at=now + CHALLENGE_LIFETIME,
        )
    )
    session.flush()
    return challenge


def _consume_challenge(
    session: Session, client_data_json: bytes, purpose: ChallengePurpose, user_id: int | None
) -> bytes:
    """The challenge the browser signed, marked used; refused unless it is ours and fresh."""
    challenge = parse_client_data_json(client_data_json).challenge
    now = utcnow()
    owner = PasskeyChallenge.user_id.is_(None) if user_id is None else PasskeyChallenge.user_id == user_id
    result = session.exec(
        update(PasskeyChallenge)
        .where(
            PasskeyChallenge.challenge_hash == _hash(challenge),
            PasskeyChallenge.purpose == purpose,
            owner,
            PasskeyChallenge.used_at.is_(None),
            PasskeyChallenge.expires_at > now,
        )
        .values(used_at=now)
    )
    if result.rowcount != 1:
        raise PasskeyError("bad_challenge", str(_l("That took too long, or was already used. Try again.")))
    return challenge


def _bad_response() -> PasskeyError:
    return PasskeyError("bad_response", str(_l("Your passkey could not be checked. Try again.")))


# --- making a passkey ------------------------------------------------------------------


def passkeys_of(session: Session, user: User) -> list[Passkey]:
    return list(
        session.exec(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at, Passkey.id))
    )


def has_passkey(session: Session, user: User) -> bool:
    return session.exec(select(Passkey.id).where(Passkey.user_id == user.id).limit(1)).first() is not None


def registration_options(session: Session, *, rp: RelyingParty, user: User) -> str:
    """Options (JSON) for navigator.credentials.create(): a discoverable passkey that checks who you are."""
    challenge = _new_challenge(session, ChallengePurpose.REGISTER, user.id)
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle(rp, user),
        user_name=user.email,
        user_display_name=user.name,
        challenge=challenge,
        timeout=BROWSER_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # The same phone twice would only make a confusing second entry.
        exclude_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys_of(session, user)],
    )
    return options_to_json(options)


def clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())[:NAME_MAX]
    if not name:
        raise PasskeyError("name_missing", str(_l("Give the passkey a name, like “My phone”.")))
    return name


def register_passkey(session: Session, *, rp: RelyingParty, user: User, response: object, name: str) -> Passkey:
    """Check the browser's answer to the registration options and keep the new passkey."""
    name = clean_name(name)
    try:
        credential: RegistrationCredential = parse_registration_credential_json(response)
        challenge = _consume_challenge(
            session, credential.response.client_data_json, ChallengePurpose.REGISTER, user.id
        )
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except PasskeyError:
        raise
    except _BAD_INPUT:
        raise _bad_response() from None
    taken = session.exec(select(Passkey.id).where(Passkey.credential_id == verified.credential_id)).first()
    if taken is not None:
        raise PasskeyError("passkey_exists", str(_l("This passkey is already added.")))
    transports = ",".join(t.value for t in (credential.response.transports or []))
    passkey = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        user_handle=user_handle(rp, user),
        sign_count=verified.sign_count,
        transports=transports[:100] or None,
        name=name,
        backed_up=verified.credential_backed_up,
    )
    session.add(passkey)
    session.flush()
    return passkey


def get_passkey_or_404(session: Session, *, user: User, passkey_id: int) -> Passkey:
    """One of the person's own passkeys; anyone else's looks the same as none."""
    passkey = session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        raise NotFound("passkey_not_found")
    return passkey


def rename_passkey(session: Session, *, user: User, passkey_id: int, name: str) -> Passkey:
    passkey = get_passkey_or_404(session, user=user, passkey_id=passkey_id)
    passkey.name = clean_name(name)
    session.add(passkey)
    session.flush()
    return passkey


def remove_passkey(session: Session, *, user: User, passkey_id: int) -> None:
    passkey = get_passkey_or_404(session, user=user, passkey_id=passkey_id)
    session.delete(passkey)
    session.flush()


# --- using a passkey -------------------------------------------------------------------


def login_options(session: Session, *, rp: RelyingParty) -> str:
    """Options (JSON) for navigator.credentials.get() with no e-mail: the phone offers its passkeys."""
    challenge = _new_challenge(session, ChallengePurpose.LOGIN, None)
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=BROWSER_TIMEOUT_MS,
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


def verify_options(session: Session, *, rp: RelyingParty, user: User) -> str:
    """Options (JSON) for proving a second factor with one of this person's passkeys."""
    challenge = _new_challenge(session, ChallengePurpose.VERIFY, user.id)
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=BROWSER_TIMEOUT_MS,
        allow_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys_of(session, user)],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


def _assert(
    session: Session,
    *,
    rp: RelyingParty,
    response: object,
    purpose: ChallengePurpose,
    user: User | None,
) -> Passkey:
    try:
        credential: AuthenticationCredential = parse_authentication_credential_json(response)
        challenge = _consume_challenge(
            session, credential.response.client_data_json, purpose, user.id if user else None
        )
        query = select(Passkey).where(Passkey.credential_id == credential.raw_id)
        if user is not None:
            query = query.where(Passkey.user_id == user.id)
        passkey = session.exec(query.with_for_update()).first()
        if passkey is None:
            raise PasskeyError(
                "unknown_passkey", str(_l("We do not know this passkey. Log in with your password instead."))
            )
        handle = credential.response.user_handle
        if handle is not None and not hmac.compare_digest(handle, passkey.user_handle):
            raise _bad_response()
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except PasskeyError:
        raise
    except _BAD_INPUT:
        raise _bad_response() from None
    passkey.sign_count = verified.new_sign_count
    passkey.backed_up = verified.credential_backed_up
    passkey.last_used_at = utcnow()
    session.add(passkey)
    session.flush()
    return passkey


def authenticate(session: Session, *, rp: RelyingParty, response: object) -> User:
    """The person whose passkey signed this login challenge (with their fingerprint, face or PIN)."""
    passkey = _assert(session, rp=rp, response=response, purpose=ChallengePurpose.LOGIN, user=None)
    user = session.get(User, passkey.user_id)
    if not user.is_active:
        raise PasskeyError(
            "account_disabled", str(_l("This account is closed. Talk to the staff at the hub to open it again."))
        )
    return user


def verify_second_factor(session: Session, *, rp: RelyingParty, user: User, response: object) -> Passkey:
    """Check that `user` just used one of their own passkeys (for a login made with a password)."""
    return _assert(session, rp=rp, response=response, purpose=ChallengePurpose.VERIFY, user=user)
