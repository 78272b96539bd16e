"""Passkeys: add, name and remove them, and log in with one."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("passkeys", __name__)
