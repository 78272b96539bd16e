"""Absolute links that leave the request: in e-mails, QR codes, calendar feeds and invitations.

`url_for(..., _external=True)` takes the host from the request's Host header, which a client
chooses; a password-reset mail asked for with `Host: evil.example` would carry its token there.
In production these links are built on HUB_BASE_URL, and requests naming another host are
refused before any view runs (TRUSTED_HOSTS, set in hub/config.py).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    """The address of a page as the public knows it; in development, the one this request came to."""
    config = current_app.config
    if not config["PRODUCTION"]:
        return url_for(endpoint, _external=True, **values)
    base = urlsplit(config["BASE_URL"])
    return f"{base.scheme}://{base.netloc}{url_for(endpoint, **values)}"
