"""Passkeys with real WebAuthn answers, made without a browser by a small software authenticator:
add one, log in with it (no e-mail), prove a second factor with it, and every way it must fail."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from datetime import timedelta

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import update
from sqlmodel import select

from hub.accounts.models import UserSession
from hub.accounts.passkey_models import Passkey, PasskeyChallenge
from hub.db import utcnow

ORIGIN = "http://localhost"  # the Flask test client's host
RP_ID = "localhost"

UP, UV, AT = 0x01, 0x04, 0x40  # authenticator data flags: user present, user verified, attested data


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """A passkey on a pretend phone: one P-256 key, a counter, and the user handle it was given."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.sign_count = 0
        self.user_handle: bytes | None = None

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _auth_data(self, flags: int, *, rp_id: str, attested: bool = False) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.sign_count)
        if attested:
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def create(self, options: dict, *, origin: str = ORIGIN, rp_id: str = RP_ID, flags: int = UP | UV | AT) -> dict:
        """Answer navigator.credentials.create() options ("none" attestation)."""
        self.user_handle = unb64u(options["user"]["id"])
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attestation = cbor2.dumps(
            {"fmt": "none", "attStmt": {}, "authData": self._auth_data(flags, rp_id=rp_id, attested=True)}
        )
        return {
            "id": b64u(self.credential_id),
            "rawId": b64u(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64u(client_data),
                "attestationObject": b64u(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict,
        *,
        origin: str = ORIGIN,
        rp_id: str = RP_ID,
        flags: int = UP | UV,
        count_up: bool = True,
        challenge: str | None = None,
    ) -> dict:
        """Answer navigator.credentials.get() options: sign authenticatorData + hash(clientDataJSON)."""
        if count_up:
            self.sign_count += 1
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        auth_data = self._auth_data(flags, rp_id=rp_id)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64u(self.credential_id),
            "rawId": b64u(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64u(client_data),
                "authenticatorData": b64u(auth_data),
                "signature": b64u(signature),
                "userHandle": b64u(self.user_handle) if self.user_handle else None,
            },
            "clientExtensionResults": {},
        }


def options(client, url: str) -> dict:
    response = client.post(url, json={})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def add_passkey(client, phone: SoftAuthenticator, name: str = "Min telefon", **create) -> dict:
    """Register `phone` for the logged-in client; the JSON answer."""
    answer = phone.create(options(client, "/me/passkeys/options"), **create)
    response = client.post("/me/passkeys", json={"credential": answer, "name": name})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def passkey_login(client, phone: SoftAuthenticator, url: str = "/login/passkey", **get):
    return client.post(url, json={"credential": phone.get(options(client, "/login/passkey/options"), **get)})


def this_login(app, client) -> UserSession | None:
    """The login row behind the client's cookie (None when logged out)."""
    from hub.accounts.logins import hash_token

    with client.session_transaction() as cookie:
        token = cookie.get("_user_id")
    if token is None:
        return None
    with app.app_context():
        from hub.db import job_session

        with job_session() as session:
            return session.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).first()


def stored(world, user_id: int) -> list[Passkey]:
    with world() as session:
        return list(session.exec(select(Passkey).where(Passkey.user_id == user_id)))


@pytest.fixture
def sara(make):
    return make.user(is_young=True, name="Sara Jensen", email="sara@example.org")


@pytest.fixture
def phone():
    return SoftAuthenticator()


def test_a_young_person_adds_a_passkey_and_logs_in_with_it_without_an_email(app, client, auth, world, sara, phone):
    """Sara adds a passkey after logging in with her password; later the passkey alone
    (no e-mail typed) logs her in, and the counter and "last used" are kept."""
    auth.login(sara)
    offered = options(client, "/me/passkeys/options")
    assert offered["rp"]["id"] == RP_ID
    assert offered["authenticatorSelection"]["residentKey"] == "required"
    assert offered["authenticatorSelection"]["userVerification"] == "required"
    assert offered["user"]["name"] == "sara@example.org"
    answer = phone.create(offered)
    response = client.post("/me/passkeys", json={"credential": answer, "name": "  Min   telefon "})
    assert response.status_code == 200
    assert response.get_json()["redirect"] == "/me/passkeys"
    [passkey] = stored(world, sara.id)
    assert passkey.credential_id == phone.credential_id and passkey.name == "Min telefon"
    assert passkey.transports == "internal" and passkey.last_used_at is None
    page = client.get("/me/passkeys")
    assert page.status_code == 200 and f'id="passkey-{passkey.id}"' in page.get_data(as_text=True)

    auth.logout()
    offered = options(client, "/login/passkey/options")
    assert offered["allowCredentials"] == [] and offered["userVerification"] == "required"
    response = client.post("/login/passkey", json={"credential": phone.get(offered)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"redirect": "/"}
    assert client.get("/me").status_code == 200
    [passkey] = stored(world, sara.id)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_a_passkey_login_honours_next_but_only_on_this_site(app, client, auth, sara, phone):
    auth.login(sara)
    add_passkey(client, phone)
    auth.logout()
    response = passkey_login(client, phone, url="/login/passkey?next=/events")
    assert response.get_json() == {"redirect": "/events"}
    auth.logout()
    response = passkey_login(client, phone, url="/login/passkey?next=//evil.example/x")
    assert response.get_json() == {"redirect": "/"}


def test_a_passkey_login_counts_as_two_factors_for_staff(app, client, auth, make, world, phone):
    """Staff who log in with a passkey that verified them pass the second-factor gate at once."""
    staff = make.user(is_staff=True, totp=False)
    auth.login(staff, second_factor=False)
    assert this_login(app, client).second_factor_at is None
    add_passkey(client, phone)  # the first second factor: allowed, and it proves this login
    assert this_login(app, client).second_factor_at is not None
    auth.logout()
    assert passkey_login(client, phone).status_code == 200
    assert this_login(app, client).second_factor_at is not None


def test_staff_who_enrol_with_a_passkey_are_led_to_make_recovery_codes(app, client, auth, make, english):
    """Without an authenticator app or codes, losing the passkey's phone would lock staff out."""
    staff = make.user(is_staff=True, totp=False)
    auth.login(staff, second_factor=False)
    assert add_passkey(client, SoftAuthenticator()) == {"redirect": "/me/two-factor"}
    page = client.get("/me/two-factor").get_data(as_text=True)
    assert 'id="no-recovery-codes"' in page and "Make them now" in page
    codes = client.post("/me/two-factor/recovery-codes")
    assert codes.status_code == 200
    # With codes in hand, a second passkey goes back to the passkey list, and young people always do.
    assert add_passkey(client, SoftAuthenticator(), name="Min computer") == {"redirect": "/me/passkeys"}
    auth.logout()
    auth.login(make.user(is_young=True))
    assert add_passkey(client, SoftAuthenticator()) == {"redirect": "/me/passkeys"}


def test_staff_with_a_second_factor_cannot_add_a_passkey_before_proving_it(app, client, auth, make, phone):
    """Someone with only a staff member's password must not be able to add their own passkey."""
    staff = make.user(is_staff=True)  # has an authenticator app
    auth.login(staff, second_factor=False)
    assert client.post("/me/passkeys/options", json={}).status_code == 403
    assert client.post("/me/passkeys", json={"credential": {}, "name": "x"}).status_code == 403


def test_staff_prove_their_second_factor_with_their_own_passkey_only(app, client, auth, make, world, phone):
    staff = make.user(is_staff=True, totp=False)
    other = make.user(is_staff=True, totp=False)
    theirs = SoftAuthenticator()
    auth.login(other, second_factor=False)
    add_passkey(client, theirs)
    auth.logout()
    auth.login(staff, second_factor=False)
    add_passkey(client, phone)
    auth.logout()

    auth.login(staff, second_factor=False)
    assert this_login(app, client).second_factor_at is None
    offered = options(client, "/me/passkeys/verify/options")
    assert [c["id"] for c in offered["allowCredentials"]] == [b64u(phone.credential_id)]
    # Another person's passkey, even with a signature over this very challenge, is not mine.
    response = client.post("/me/passkeys/verify", json={"credential": theirs.get(offered)})
    assert response.status_code == 422 and response.get_json()["error"] == "unknown_passkey"
    assert this_login(app, client).second_factor_at is None
    # A login challenge is not a second-factor challenge.
    login_challenge = options(client, "/login/passkey/options")
    response = client.post("/me/passkeys/verify", json={"credential": phone.get(login_challenge)})
    assert response.status_code == 422 and response.get_json()["error"] == "bad_challenge"
    response = client.post("/me/passkeys/verify?next=/staff/people", json={"credential": phone.get(offered)})
    assert response.status_code == 200 and response.get_json() == {"redirect": "/staff/people"}
    assert this_login(app, client).second_factor_at is not None


def test_an_answer_for_another_site_is_refused(app, client, auth, world, sara, phone):
    auth.login(sara)
    answer = phone.create(options(client, "/me/passkeys/options"), origin="https://evil.example")
    response = client.post("/me/passkeys", json={"credential": answer, "name": "x"})
    assert response.status_code == 422 and response.get_json()["error"] == "bad_response"
    answer = phone.create(options(client, "/me/passkeys/options"), rp_id="evil.example")
    assert client.post("/me/passkeys", json={"credential": answer, "name": "x"}).status_code == 422
    assert stored(world, sara.id) == []

    add_passkey(client, phone)
    auth.logout()
    response = passkey_login(client, phone, origin="https://evil.example")
    assert response.status_code == 422 and this_login(app, client) is None
    assert passkey_login(client, phone, rp_id="evil.example").status_code == 422
    assert this_login(app, client) is None


def test_a_challenge_the_server_did_not_make_is_refused(app, client, auth, sara, phone):
    auth.login(sara)
    add_passkey(client, phone)
    auth.logout()
    made_up = b64u(os.urandom(32))
    response = passkey_login(client, phone, challenge=made_up)
    assert response.status_code == 422 and response.get_json()["error"] == "bad_challenge"
    assert this_login(app, client) is None


def test_an_expired_challenge_is_refused(app, client, auth, world, sara, phone):
    auth.login(sara)
    add_passkey(client, phone)
    auth.logout()
    offered = options(client, "/login/passkey/options")
    with world() as session:
        session.exec(update(PasskeyChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = client.post("/login/passkey", json={"credential": phone.get(offered)})
    assert response.status_code == 422 and response.get_json()["error"] == "bad_challenge"


def test_a_signed_login_cannot_be_replayed(app, client, auth, sara, phone):
    """The same answer twice: the challenge is spent, whatever the counter says."""
    auth.login(sara)
    add_passkey(client, phone)
    auth.logout()
    answer = phone.get(options(client, "/login/passkey/options"))
    assert client.post("/login/passkey", json={"credential": answer}).status_code == 200
    auth.logout()
    response = client.post("/login/passkey", json={"credential": answer})
    assert response.status_code == 422 and response.get_json()["error"] == "bad_challenge"
    assert this_login(app, client) is None


def test_a_counter_that_goes_back_means_a_copied_passkey(app, client, auth, world, sara, phone):
    auth.login(sara)
    add_passkey(client, phone)
    auth.logout()
    assert passkey_login(client, phone).status_code == 200
    auth.logout()
    assert passkey_login(client, phone).status_code == 200
    [passkey] = stored(world, sara.id)
    assert passkey.sign_count == 2
    auth.logout()
    response = passkey_login(client, phone, count_up=False)  # still 2: a clone would say so
    assert response.status_code == 422 and this_login(app, client) is None


def test_an_unknown_passkey_cannot_log_in(app, client, sara):
    stranger = SoftAuthenticator()
    stranger.user_handle = os.urandom(32)
    response = passkey_login(client, stranger)
    assert response.status_code == 422 and response.get_json()["error"] == "unknown_passkey"
    assert this_login(app, client) is None


def test_a_passkey_without_user_verification_cannot_log_in(app, client, auth, world, sara, phone):
    auth.login(sara)
    answer = phone.create(options(client, "/me/passkeys/options"), flags=UP | AT)
    assert client.post("/me/passkeys", json={"credential": answer, "name": "x"}).status_code == 422
    add_passkey(client, phone)
    auth.logout()
    assert passkey_login(client, phone, flags=UP).status_code == 422
    assert this_login(app, client) is None


def test_the_user_handle_must_be_the_owners(app, client, auth, sara, phone):
    auth.login(sara)
    add_passkey(client, phone)
    auth.logout()
    phone.user_handle = os.urandom(32)
    assert passkey_login(client, phone).status_code == 422
    assert this_login(app, client) is None


def test_a_closed_account_cannot_log_in_with_a_passkey(app, client, auth, world, sara, phone):
    from hub.accounts.models import User

    auth.login(sara)
    add_passkey(client, phone)
    auth.logout()
    with world() as session:
        session.get(User, sara.id).disabled_at = utcnow()
    response = passkey_login(client, phone)
    assert response.status_code == 422 and response.get_json()["error"] == "account_disabled"
    assert this_login(app, client) is None


def test_the_same_passkey_twice_is_refused(app, client, auth, world, sara, phone):
    auth.login(sara)
    first = phone.create(options(client, "/me/passkeys/options"))
    assert client.post("/me/passkeys", json={"credential": first, "name": "a"}).status_code == 200
    offered = options(client, "/me/passkeys/options")
    assert [c["id"] for c in offered["excludeCredentials"]] == [b64u(phone.credential_id)]
    response = client.post("/me/passkeys", json={"credential": phone.create(offered), "name": "b"})
    assert response.status_code == 422 and response.get_json()["error"] == "passkey_exists"
    assert len(stored(world, sara.id)) == 1


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        "{}",
        '{"credential": "x"}',
        '{"credential": {}}',
        '{"credential": {"id": "a", "rawId": "a", "type": "public-key", "response": {}}}',
        '{"credential": {"id": "!!", "rawId": "!!", "type": "public-key",'
        ' "response": {"clientDataJSON": "!!", "authenticatorData": "e30", "signature": "e30"}}}',
        '{"credential": {"id": "AA", "rawId": "AA", "type": "public-key",'
        ' "response": {"clientDataJSON": "e30", "authenticatorData": "e30", "signature": "e30"}}}',
    ],
)
def test_garbage_gets_a_clear_422_never_a_500(app, client, auth, sara, body):
    for url in ("/login/passkey", "/me/passkeys/verify", "/me/passkeys"):
        if url != "/login/passkey" and this_login(app, client) is None:
            auth.login(sara)
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 422, (url, response.status_code)
        assert response.get_json()["message"]


def test_a_name_is_needed(app, client, auth, world, sara, phone):
    auth.login(sara)
    answer = phone.create(options(client, "/me/passkeys/options"))
    response = client.post("/me/passkeys", json={"credential": answer, "name": "   "})
    assert response.status_code == 422 and response.get_json()["error"] == "name_missing"
    assert stored(world, sara.id) == []


def test_only_the_owner_may_rename_or_remove_a_passkey(app, client, auth, make, world, sara, phone):
    auth.login(sara)
    add_passkey(client, phone)
    [mine] = stored(world, sara.id)
    auth.logout()

    other = make.user(is_young=True)
    auth.login(other)
    assert client.post(f"/me/passkeys/{mine.id}/name", data={"name": "Mit nu"}).status_code == 404
    assert client.post(f"/me/passkeys/{mine.id}/delete").status_code == 404
    assert f'id="passkey-{mine.id}"' not in client.get("/me/passkeys").get_data(as_text=True)
    auth.logout()

    auth.login(sara)
    assert client.post(f"/me/passkeys/{mine.id}/name", data={"name": ""}).status_code == 422
    response = client.post(f"/me/passkeys/{mine.id}/name", data={"name": "Arbejdstelefon"})
    assert response.status_code == 303 and response.headers["Location"] == "/me/passkeys"
    assert stored(world, sara.id)[0].name == "Arbejdstelefon"
    assert client.post(f"/me/passkeys/{mine.id}/delete").status_code == 303
    assert stored(world, sara.id) == []
    auth.logout()
    # A removed passkey opens nothing.
    assert passkey_login(client, phone).status_code == 422


def test_several_passkeys_per_account(app, client, auth, world, sara):
    auth.login(sara)
    phones = [SoftAuthenticator(), SoftAuthenticator()]
    for number, each in enumerate(phones):
        add_passkey(client, each, name=f"Telefon {number}")
    assert [p.name for p in stored(world, sara.id)] == ["Telefon 0", "Telefon 1"]
    auth.logout()
    for each in phones:
        assert passkey_login(client, each).status_code == 200
        auth.logout()


def test_the_login_page_offers_a_passkey(client, english):
    page = client.get("/login").get_data(as_text=True)
    assert 'id="passkey-login"' in page and "/login/passkey/options" in page
    assert "Log in with a passkey" in page
    assert "js/passkeys.js" in page


def test_a_challenge_works_only_for_what_it_was_made_for(app, client, auth, world, sara, phone):
    """A second-factor challenge (made for Sara, like a registration one) cannot make a passkey."""
    auth.login(sara)
    registration = options(client, "/me/passkeys/options")
    verification = options(client, "/me/passkeys/verify/options")
    answer = phone.create({**registration, "challenge": verification["challenge"]})
    response = client.post("/me/passkeys", json={"credential": answer, "name": "x"})
    assert response.status_code == 422 and response.get_json()["error"] == "bad_challenge"
    assert stored(world, sara.id) == []


def test_a_passkey_login_may_remember_the_phone(app, client, auth, sara, phone):
    auth.login(sara)
    add_passkey(client, phone)
    auth.logout()
    answer = phone.get(options(client, "/login/passkey/options"))
    assert client.post("/login/passkey", json={"credential": answer, "remember": True}).status_code == 200
    assert this_login(app, client).remember is True


def test_damaged_answers_never_cause_a_500(app, client, auth, sara, phone):
    """Every byte field of a real answer cut short or bit-flipped: always a 4xx."""
    import random

    shuffle = random.Random(9)
    auth.login(sara)
    good = phone.create(options(client, "/me/passkeys/options"))
    for field in ("clientDataJSON", "attestationObject"):
        raw = unb64u(good["response"][field])
        for damaged in (
            raw[: shuffle.randrange(len(raw))],
            bytes(b ^ 0xFF if shuffle.random() < 0.05 else b for b in raw),
        ):
            answer = phone.create(options(client, "/me/passkeys/options"))
            answer["response"][field] = b64u(damaged)
            response = client.post("/me/passkeys", json={"credential": answer, "name": "x"})
            assert response.status_code == 422, (field, response.status_code)
    add_passkey(client, phone)
    for field in ("clientDataJSON", "authenticatorData", "signature", "userHandle"):
        raw = unb64u(phone.get({"challenge": b64u(os.urandom(32))})["response"][field])
        for damaged in (
            raw[: shuffle.randrange(len(raw))],
            bytes(b ^ 0xFF if shuffle.random() < 0.1 else b for b in raw),
        ):
            answer = phone.get(options(client, "/me/passkeys/verify/options"))
            answer["response"][field] = b64u(damaged)
            response = client.post("/me/passkeys/verify", json={"credential": answer})
            assert response.status_code == 422, (field, response.status_code)


def test_passkeys_still_work_after_the_secret_key_changes(app, client, auth, sara, phone):
    """User handles are made from the secret key, but kept as given: a new key locks no one out."""
    auth.login(sara)
    add_passkey(client, phone)
    auth.logout()
    app.secret_key = app.config["SECRET_KEY"] = "a-new-secret"
    assert passkey_login(client, phone).status_code == 200


def test_my_data_download_names_my_passkeys_but_not_their_secrets(app, client, auth, sara, phone):
    auth.login(sara)
    add_passkey(client, phone, name="Min telefon")
    response = client.get("/me/data/export.json")
    assert response.status_code == 200
    [row] = response.get_json()["tables"]["passkey"]
    assert row["name"] == "Min telefon"
    assert not {"credential_id", "public_key", "user_handle"} & set(row)
