"""My sessions: where I am logged in, and ending any of them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sessions", __name__)
