"""The app's VAPID key pair (RFC 8292): push services check that pushes come from us.

The private key comes from HUB_VAPID_PRIVATE_KEY (a PEM, or its path) or from
`instance/vapid_private.pem`, which `flask --app hub vapid` writes. Production refuses to start
without one; elsewhere push is simply off until a key exists.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from py_vapid import Vapid02

KEY_FILE = "vapid_private.pem"


def key_file(instance_path: str | Path) -> Path:
    return Path(instance_path) / KEY_FILE


def generate(path: Path) -> Vapid02:
    """Write a new key pair's private key to `path` (readable only by its owner)."""
    vapid = Vapid02()
    vapid.generate_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(vapid.private_pem())
    path.chmod(0o600)
    return vapid


def configured_pem(instance_path: str | Path, setting: str | None = None) -> bytes | None:
    """The private key in PEM form from the setting (HUB_VAPID_PRIVATE_KEY unless given) or the
    instance folder, if any."""
    value = (os.environ.get("HUB_VAPID_PRIVATE_KEY", "") if setting is None else setting).strip()
    if value.startswith("-----BEGIN"):
        return value.replace("\\n", "\n").encode()
    if value:
        return Path(value).read_bytes()
    path = key_file(instance_path)
    return path.read_bytes() if path.exists() else None


def from_pem(pem: bytes) -> Vapid02:
    return Vapid02.from_pem(pem)


def load(app: Flask) -> Vapid02 | None:
    pem = app.config.get("VAPID_PRIVATE_PEM")
    return from_pem(pem) if pem else None


def public_key(vapid: Vapid02) -> str:
    """The application server key a browser subscribes with: the raw point, base64url."""
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def current() -> Vapid02 | None:
    return current_app.extensions.get("hub_vapid")


def init_app(app: Flask) -> None:
    app.extensions["hub_vapid"] = load(app)
