"""Staff side of the circle: nominations from young people's networks, and the directory
profiles of support people and volunteer mentors."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff_circle", __name__, url_prefix="/staff/support")
