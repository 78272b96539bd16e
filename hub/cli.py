"""Commands: `flask --app hub demo`, `demo-code`, `create-admin`, `migrate`, `scheduler`, `vapid`, `backup`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, url_for

from hub import demo
from hub.accounts import services
from hub.accounts.models import User
from hub.db import job_session
from hub.scheduler.lease import HEARTBEAT_SECONDS, LEASE_SECONDS


def print_demo_logins() -> None:
    click.echo(f"\nDemo logins (password: {demo.DEMO_PASSWORD}):")
    for email, who in demo.DEMO_LOGINS:
        click.echo(f"  {email:<28} {who}")
    click.echo("Staff and admin also need a code from an authenticator app; print the current one with")
    click.echo("  flask --app hub demo-code personale@example.org")
    click.echo(f"(or add the key {demo.DEMO_TOTP_SECRET} to an authenticator app).")
    click.echo("Passkeys work on http://localhost:5000 (browsers refuse them on an IP address).")
    click.echo("")


def demo_code(session, email: str) -> tuple[str, str]:
    """The current and the next authenticator code of a demo account (a code is accepted once)."""
    import pyotp
    from sqlmodel import select

    from hub.accounts.second_factor import current_step
    from hub.accounts.second_factor_models import TotpSecret

    user = services.find_user_by_email(session, email)
    totp = session.exec(select(TotpSecret).where(TotpSecret.user_id == user.id)).first() if user else None
    if totp is None or totp.secret != demo.DEMO_TOTP_SECRET:
        raise click.ClickException("Only the demo accounts' codes can be printed.")
    step, generator = current_step(), pyotp.TOTP(totp.secret)
    return generator.generate_otp(step), generator.generate_otp(step + 1)


def init_app(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command():
        """Load demo data if the database is empty, and print the demo logins."""
        with job_session() as session:
            if demo.is_empty(session):
                people = demo.load(session)
                click.echo(f"Loaded demo data: {len(people)} people.")
            else:
                click.echo("The database already has people; demo data not loaded.")
        print_demo_logins()

    @app.cli.command("demo-code")
    @click.argument("email")
    def demo_code_command(email: str):
        """Print a demo staff or admin account's current authenticator code."""
        with job_session() as session:
            now, following = demo_code(session, email)
        click.echo(f"{now}   (if it was just used: {following})")

    @app.cli.command("reseal")
    def reseal_command():
        """Seal stored secrets again with HUB_SECRET_KEY (after moving the old key to the fallbacks)."""
        from sqlalchemy.orm.attributes import flag_modified
        from sqlmodel import select

        from hub.accounts.second_factor_models import TotpSecret
        from hub.outbox.models import OutboxMessage

        with job_session() as session:
            rows = session.exec(select(TotpSecret)).all()
            for row in rows:
                flag_modified(row, "secret")  # read with any key, written with the current one
            waiting = session.exec(select(OutboxMessage).where(OutboxMessage.recipient.is_not(None))).all()
            for message in waiting:  # mail not yet sent (sent mail keeps nothing sealed)
                for column in ("recipient", "subject", "body"):
                    flag_modified(message, column)
        click.echo(f"Sealed {len(rows)} authenticator secrets and {len(waiting)} waiting mails with the current key.")

    @app.cli.command("scheduler")
    @click.option("--heartbeat", default=HEARTBEAT_SECONDS, show_default=True, help="Seconds between lease renewals.")
    @click.option("--lease", "lease_seconds", default=LEASE_SECONDS, show_default=True, help="Seconds a lease lasts.")
    def scheduler_command(heartbeat: int, lease_seconds: int):
        """Run the scheduler process (reminders, housekeeping). Safe to start twice."""
        from hub import logs
        from hub.scheduler import runner

        logs.configure(app.config["LOG_FORMAT"])  # JSON lines in production, redacted either way
        runner.run(app, heartbeat=heartbeat, lease_seconds=lease_seconds)

    @app.cli.command("vapid")
    @click.option("--if-missing", is_flag=True, help="Do nothing when a key is already configured.")
    def vapid_command(if_missing: bool):
        """Make the VAPID key pair for Web Push (written to instance/vapid_private.pem)."""
        from hub.notifications import vapid

        if if_missing and vapid.configured_pem(app.instance_path):
            click.echo("A VAPID key is already set up.")
            return
        path = vapid.key_file(app.instance_path)
        if path.exists():
            raise click.ClickException(f"{path} exists; remove it first for a new key (phones must subscribe again).")
        key = vapid.generate(path)
        click.echo(f"Wrote {path}.")
        click.echo(f"Public key (the applicationServerKey): {vapid.public_key(key)}")
        click.echo("In production, set HUB_VAPID_PRIVATE_KEY to this file's path or content instead.")

    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(target: Path):
        """Write a consistent copy of the database to TARGET, a new file; safe while the app runs."""
        from hub import backup

        try:
            click.echo(f"{backup.write(app.config['DATABASE_URL'], target)}: {target}")
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from None

    @app.cli.command("migrate")
    def migrate_command():
        """Bring the database to the newest schema (`alembic upgrade head` without the checkout)."""
        from hub import migrate

        migrate.upgrade()
        click.echo(f"The database is at {migrate.head()}.")

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    def create_admin(email: str, name: str):
        """Create an administrator and print their single-use link to choose a password."""
        with job_session() as session:
            user = User(name=name, email=services.normalize_email(email), is_admin=True, is_staff=True)
            if services.find_user_by_email(session, email):
                raise click.ClickException("There is already an account with that e-mail.")
            session.add(user)
            session.flush()
            token = services.issue_invite(session, user=user, actor=None)
        with app.test_request_context(base_url=app.config["BASE_URL"]):
            click.echo(url_for("accounts.set_password", token=token, _external=True))
