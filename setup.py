"""Builds Ungehub's wheel as a working app; everything else about the project is in pyproject.toml.

The repository keeps templates/, static/ and migrations/ beside hub/ (where designers, translators
and `alembic` expect them); the wheel carries them inside the package, as hub/templates and so on,
where `hub.resource()` looks first. The translations are compiled into the wheel as it is built.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

BESIDE = {"hub.templates": "templates", "hub.static": "static", "hub.migrations": "migrations"}


class BuildWithTranslations(build_py):
    """Also compile each catalogue (messages.po) into the messages.mo gettext reads."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # a checkout compiles its own (make)
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path("hub/translations").glob("*/LC_MESSAGES/messages.po"):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parts[-3])
            target = Path(self.build_lib, po.with_suffix(".mo"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                write_mo(out, catalog)


setup(
    packages=[*find_packages(include=["hub", "hub.*"]), *BESIDE, "hub.migrations.versions"],
    package_dir={"hub.migrations.versions": "migrations/versions", **BESIDE},
    package_data={
        "hub.templates": ["**/*"],
        "hub.static": ["**/*"],
        "hub.migrations": ["script.py.mako"],
        "hub.accounts": ["common_passwords.txt", "common_passwords.LICENSE"],
    },
    include_package_data=False,  # exactly the files named above
    cmdclass={"build_py": BuildWithTranslations},
)
