"""The wellbeing trend as a small SVG line chart, drawn on the server. The template only draws
the geometry given here; the same numbers sit in a table beside it for screen readers."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from hub.checkins.models import Wellbeing

# Each line has its own dash pattern and marker, so it reads without colour.
SERIES = [
    ("mood", _l("Mood"), "trend__line--mood"),
    ("sleep", _l("Sleep"), "trend__line--sleep"),
    ("movement", _l("Movement"), "trend__line--movement"),
]


@dataclass(frozen=True)
class Line:
    key: str
    label: object
    css: str
    points: str  # for <polyline points="…">
    dots: list[tuple[float, float]]


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: int
    right: int
    lines: list[Line]
    levels: list[tuple[int, float]]  # (score, y) for the grid lines
    first: Wellbeing
    last: Wellbeing


def trend_chart(entries: list[Wellbeing], *, width: int = 360, height: int = 180) -> TrendChart | None:
    """Geometry for entries oldest first, scores 1–5 bottom to top; None when there is nothing to draw."""
    if not entries:
        return None
    left, right, top, bottom = 24, width - 10, 12, height - 28

    def y(score: int) -> float:
        return round(bottom - (score - 1) * (bottom - top) / 4, 1)

    step = (right - left) / (len(entries) - 1) if len(entries) > 1 else 0
    xs = [round(left + i * step, 1) if step else (left + right) / 2 for i in range(len(entries))]
    lines = []
    for key, label, css in SERIES:
        dots = [(x, y(getattr(entry, key))) for x, entry in zip(xs, entries, strict=True)]
        lines.append(Line(key, label, css, " ".join(f"{x},{v}" for x, v in dots), dots))
    return TrendChart(
        width=width,
        height=height,
        left=left,
        right=right,
        lines=lines,
        levels=[(score, y(score)) for score in range(1, 6)],
        first=entries[0],
        last=entries[-1],
    )
