"""The wallet page, which the service worker keeps for offline use."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("wallet", __name__)
