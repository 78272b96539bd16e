"""PLAN1: the young person's one plan, and what their support people may suggest."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plans", __name__)
