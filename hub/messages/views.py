"""Messages for young people and their support people, and "I need help now"."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("messages", __name__)
