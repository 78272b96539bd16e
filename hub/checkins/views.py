"""Check-ins: "my young people" for support people and mentors, logging a check-in, the
young person's wellbeing check-in, and the volunteer mentor's page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("checkins", __name__)
