"""Download my data, ask to be deleted; staff confirm deletions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rights", __name__)
