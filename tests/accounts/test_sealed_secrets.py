"""Authenticator secrets are sealed in the database with a key that is not in it."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from cryptography.fernet import InvalidToken
from sqlalchemy import insert, inspect, text
from sqlmodel import select

from hub import ROOT, create_app
from hub.accounts.models import User
from hub.accounts.second_factor_models import TotpSecret
from hub.core.sealed import sealer
from hub.db import job_session, make_engine, utcnow
from tests.conftest import Client, app_config
from tests.factories import TEST_TOTP_SECRET


def raw_secret(app, user_id: int) -> str:
    with app.app_context(), job_session() as session:
        return session.exec(text("SELECT secret FROM totp_secret WHERE user_id = :id").bindparams(id=user_id)).scalar()


def test_the_database_holds_a_sealed_token_and_the_app_the_secret(app, make, auth):
    staff = make.user(is_staff=True)
    stored = raw_secret(app, staff.id)
    assert TEST_TOTP_SECRET not in stored and stored.startswith("gAAAAA")  # a Fernet token
    with app.app_context(), job_session() as session:
        assert session.exec(select(TotpSecret).where(TotpSecret.user_id == staff.id)).one().secret == TEST_TOTP_SECRET
    auth.login(staff)  # the code step checks against the opened secret
    assert auth.client.get("/staff/people").status_code == 200


def test_a_database_dump_alone_does_not_open_it(app, make):
    staff = make.user(is_staff=True)
    with pytest.raises(InvalidToken):
        sealer(["a guessed key"]).decrypt(raw_secret(app, staff.id).encode())


def app_with(db_url, tmp_path, **config):
    app = create_app({**app_config(db_url, tmp_path), **config})
    app.test_client_class = Client
    return app


def test_a_new_secret_key_reads_old_seals_through_the_fallbacks_and_reseal_moves_them(db_url, tmp_path, make):
    staff = make.user(is_staff=True)  # sealed with the test app's key, "test-secret"
    only_new = app_with(db_url, tmp_path, SECRET_KEY="the new key")
    with only_new.app_context(), job_session() as session, pytest.raises(InvalidToken):
        session.exec(select(TotpSecret).where(TotpSecret.user_id == staff.id)).one()

    rotating = app_with(db_url, tmp_path, SECRET_KEY="the new key", SECRET_KEY_FALLBACKS=["test-secret"])
    with rotating.app_context(), job_session() as session:
        assert session.exec(select(TotpSecret).where(TotpSecret.user_id == staff.id)).one().secret == TEST_TOTP_SECRET
    result = rotating.test_cli_runner().invoke(args=["reseal"])
    assert result.exit_code == 0 and "Sealed" in result.output

    with only_new.app_context(), job_session() as session:
        assert session.exec(select(TotpSecret).where(TotpSecret.user_id == staff.id)).one().secret == TEST_TOTP_SECRET
    for each in (only_new, rotating):
        each.extensions["hub_engine"].dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_seals_secrets_already_stored_and_downgrading_opens_them(
    backend, backend_url_factory, monkeypatch
):
    monkeypatch.setenv("HUB_SECRET_KEY", "the deployment's key")
    url = backend_url_factory(backend)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logging"] = False
    command.upgrade(config, "0015")
    engine = make_engine(url)
    # A staff member as the schema of 0015 holds one: only the columns it had then (later
    # migrations add more, which the model already has).
    person = User(email="staff@example.org", name="Staff Testesen", is_staff=True, activated_at=utcnow())
    then = {column["name"] for column in inspect(engine).get_columns("user_account")}
    values = {name: value for name, value in person.model_dump().items() if name in then and name != "id"}
    with engine.begin() as connection:
        user_id = connection.execute(insert(User.__table__).values(values).returning(User.__table__.c.id)).scalar()
        connection.execute(
            text("INSERT INTO totp_secret (user_id, secret, confirmed_at) VALUES (:u, :s, CURRENT_TIMESTAMP)"),
            {"u": user_id, "s": TEST_TOTP_SECRET},
        )

    command.upgrade(config, "0016")
    with engine.connect() as connection:
        sealed = connection.execute(text("SELECT secret FROM totp_secret")).scalar()
    assert sealed != TEST_TOTP_SECRET
    assert sealer(["the deployment's key"]).decrypt(sealed.encode()).decode() == TEST_TOTP_SECRET

    command.downgrade(config, "0015")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT secret FROM totp_secret")).scalar() == TEST_TOTP_SECRET
    engine.dispose()
