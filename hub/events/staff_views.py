"""Events for staff: plan, edit, cancel, take attendance, count."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff_events", __name__, url_prefix="/staff/events")
