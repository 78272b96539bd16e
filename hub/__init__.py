"""Ungehub: the youth hub app for young people leaving care in Aarhus."""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent  # the checkout, with templates/, static/ and migrations/ beside hub/
# Installed from the wheel, those folders are inside the package, and the instance folder (the
# development database and keys) is the environment's own, as Flask has it for installed apps.
INSTALLED = (PACKAGE / "templates").is_dir()
INSTANCE = Path(sys.prefix, "var", "hub-instance") if INSTALLED else ROOT / "instance"


def resource(name: str) -> Path:
    """The folder the app ships as "templates", "static" or "migrations", in a checkout or installed."""
    return (PACKAGE if INSTALLED else ROOT) / name


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config → logs → db → security → login → i18n → blueprints → cli."""
    from hub import cli, db, errors, htmx, i18n, logs, metrics, security
    from hub.accounts import auth
    from hub.accounts.passkey_views import bp as passkeys_bp
    from hub.accounts.second_factor_views import bp as second_factor_bp
    from hub.accounts.session_views import bp as sessions_bp
    from hub.accounts.views import bp as accounts_bp
    from hub.audit.views import bp as audit_bp
    from hub.checkins.views import bp as checkins_bp
    from hub.core import assets, converters, downloads, health, input_filter, nav
    from hub.core.views import bp as core_bp
    from hub.credits.redeem_views import bp as redeem_bp
    from hub.credits.staff_views import bp as staff_credits_bp
    from hub.credits.views import bp as credits_bp
    from hub.evaluation.views import bp as evaluation_bp
    from hub.events.staff_views import bp as staff_events_bp
    from hub.events.views import bp as events_bp
    from hub.messages.staff_views import bp as staff_messages_bp
    from hub.messages.views import bp as messages_bp
    from hub.notifications import vapid
    from hub.notifications.views import bp as notifications_bp
    from hub.plans.views import bp as plans_bp
    from hub.proposals.views import bp as proposals_bp
    from hub.proposals.yousaid_views import bp as yousaid_bp
    from hub.rights.views import bp as rights_bp
    from hub.staff.views import bp as staff_bp
    from hub.support.menu_views import bp as support_menu_bp
    from hub.support.staff_circle_views import bp as staff_circle_bp
    from hub.support.staff_views import bp as staff_support_bp
    from hub.support.views import bp as support_bp
    from hub.wallet.views import bp as wallet_bp

    app = Flask(
        __name__,
        instance_path=str(INSTANCE),
        template_folder=str(resource("templates")),
        static_folder=str(resource("static")),
    )
    from hub import config as settings

    try:
        app.config.update(settings.load(Path(app.instance_path)))
    except settings.ConfigError as error:
        error.report()  # one line per problem on stderr, then the process stops without a traceback
        raise
    app.config.update(config or {})
    settings.finish(app.config, Path(app.instance_path))

    input_filter.init_app(app)  # text comes in clean: no NUL for PostgreSQL to refuse
    logs.init_app(app)  # first: nothing below may log a secret in clear
    metrics.init_app(app)  # before security: /metrics sees the client's address through the proxy
    converters.init_app(app)  # before any blueprint adds a rule with <int:…>
    db.init_app(app)
    security.init_app(app)
    health.init_app(app)  # after security: a load balancer asks by address over http, outside the host check
    auth.init_app(app)
    i18n.init_app(app)
    htmx.init_app(app)
    downloads.init_app(app)  # after htmx and db: its hook runs before theirs (a file for htmx)
    assets.init_app(app)
    nav.init_app(app)
    vapid.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    errors.init_app(app)
    blueprints = (
        core_bp,
        accounts_bp,
        sessions_bp,
        passkeys_bp,
        second_factor_bp,
        staff_bp,
        events_bp,
        staff_events_bp,
        proposals_bp,
        yousaid_bp,
        credits_bp,
        staff_credits_bp,
        redeem_bp,
        support_bp,
        support_menu_bp,
        staff_circle_bp,
        staff_support_bp,
        plans_bp,
        checkins_bp,
        messages_bp,
        staff_messages_bp,
        notifications_bp,
        audit_bp,
        rights_bp,
        evaluation_bp,
        wallet_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app
