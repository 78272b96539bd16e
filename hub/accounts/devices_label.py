"""A short, human name for a login's device from its user agent: "Chrome on Android".

A few lines for the browsers and systems young people and staff actually use; anything else
is "a browser" or "a device". Order matters: Edge and Opera say "Chrome", and Chrome says "Safari".
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

_BROWSERS = [
    ("SamsungBrowser/", "Samsung Internet"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]

_SYSTEMS = [
    (re.compile(r"iPhone"), "iPhone"),
    (re.compile(r"iPad"), "iPad"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Macintosh|Mac OS X"), "Mac"),
    (re.compile(r"Linux"), "Linux"),
]


def browser_and_system(user_agent: str | None) -> tuple[str | None, str | None]:
    """("Chrome", "Android"), with None for a part that is not recognised."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), None)
    system = next((name for pattern, name in _SYSTEMS if pattern.search(agent)), None)
    return browser, system


def device_label(user_agent: str | None) -> str:
    """What the person sees in "My sessions"."""
    browser, system = browser_and_system(user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser:
        return browser
    if system:
        return _("A browser on %(system)s", system=system)
    return _("Unknown device")
