"""Staff side of the support menu: options, requests, activating, scaling and pausing support."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff_support", __name__, url_prefix="/staff/support")
