"""Events for young people: browse, book, wait, release, calendar."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("events", __name__)
