"""Youth-driven activities: propose, back, discuss, approve, make it an event."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/ideas")
