"""Enrol, record status, answer the pulse; statistics and the evaluator's export."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluation", __name__)
