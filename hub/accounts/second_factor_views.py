"""Setting up and using a second factor, and an admin's reset of someone else's."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("second_factor", __name__)
