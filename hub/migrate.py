"""The database's schema, brought up to date from the migrations the app ships.

In a checkout `alembic upgrade head` reads alembic.ini; an app installed from the wheel has no
alembic.ini, so `flask --app hub migrate` runs the same migrations from inside the package.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from hub import resource


def alembic_config() -> Config:
    """Alembic's settings, without alembic.ini: the database URL comes from HUB_ settings (env.py)."""
    config = Config()
    config.set_main_option("script_location", str(resource("migrations")))
    config.set_main_option("path_separator", "os")
    return config


def head() -> str:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade() -> None:
    command.upgrade(alembic_config(), "head")
