"""The young person's support circle: find and choose support people, decide what each may
see, nominate someone from their own network, and see who looked."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/support")
