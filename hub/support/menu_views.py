"""Compose your support: the menu of support options, asking for one, and the open door."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("support_menu", __name__, url_prefix="/support")
