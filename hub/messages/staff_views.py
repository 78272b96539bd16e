"""The staff inbox: conversations with the hub, routing, notes, canned replies, settings."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff_messages", __name__, url_prefix="/staff/messages")
