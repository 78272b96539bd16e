"""Charts drawn on the server as accessible SVG, each with the same numbers in a table.

A `Chart` holds rows (what the numbers are about: months, categories, rounds) and one or more
series of `Value`s. The template (templates/_charts.html) draws the geometry computed here and
builds the table from the very same values, so chart and table can never disagree. A `Value`
carries the text to print as well as the number to draw, so a figure that must not be shown
(for example one computed from too few people) is printed as its text ("<5") and drawn as
nothing.

Bar charts are horizontal: on a phone a row's label sits above its bars, and long category
names need no rotating. Line charts draw one line per series over the rows (for example each
cohort over the rounds of status records); a missing point breaks the line.
"""

from __future__ import annotations

from dataclasses import dataclass

BAR = "bar"
LINE = "line"
MAX_SERIES_STYLES = 6  # chart__series--0 … 5 in app.css: colour, and a dash pattern for lines


@dataclass(frozen=True)
class Value:
    """One figure: `number` to draw (None: nothing to draw) and `text` to print."""

    number: float | None
    text: str

    @property
    def shown(self) -> bool:
        return self.number is not None


def value(number: float | None, *, digits: int = 0, unit: str = "") -> Value:
    """A plain figure, printed with `digits` decimals; None prints as a dash."""
    if number is None:
        return Value(None, "–")
    text = f"{number:.{digits}f}" if digits else f"{round(number):d}"
    return Value(number, text + unit)


@dataclass(frozen=True)
class Series:
    label: str
    values: list[Value]


@dataclass(frozen=True)
class BarShape:
    x: float
    y: float
    width: float
    height: float
    text: str
    text_x: float
    style: int
    shown: bool


@dataclass(frozen=True)
class RowShape:
    label: str
    label_y: float
    bars: list[BarShape]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class LineShape:
    style: int
    segments: list[str]  # each for <polyline points="…">
    points: list[Point]


@dataclass(frozen=True)
class Tick:
    at: float  # x for rows on a line chart, y for levels
    text: str


@dataclass
class Chart:
    """A chart and its table. `key` names the element ids (unique on a page)."""

    key: str
    title: str
    row_heading: str  # the table's first column heading, e.g. "Month"
    rows: list[str]
    series: list[Series]
    kind: str = BAR
    note: str = ""  # shown under the chart
    scale: tuple[float, float] | None = None  # a line chart's fixed range, e.g. (1, 5)
    empty: str = "–"  # the description when there are no rows at all
    width: int = 360

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.rows):
                raise ValueError(f"{self.key}: series {series.label!r} has {len(series.values)} values")

    # --- what the template and the table read --------------------------------------------

    @property
    def table(self) -> list[tuple[str, list[Value]]]:
        """(row label, the value of each series): the same numbers the chart draws."""
        return [(row, [s.values[i] for s in self.series]) for i, row in enumerate(self.rows)]

    @property
    def description(self) -> str:
        """Every number in words, for the SVG's <desc>."""
        if not self.rows:
            return self.empty
        parts = []
        for row, values in self.table:
            figures = ", ".join(f"{s.label} {v.text}" for s, v in zip(self.series, values, strict=True))
            parts.append(f"{row}: {figures}")
        return "; ".join(parts)

    @property
    def styles(self) -> list[tuple[int, str]]:
        return [(i % MAX_SERIES_STYLES, s.label) for i, s in enumerate(self.series)]

    @property
    def highest(self) -> float:
        return max((v.number for s in self.series for v in s.values if v.number is not None), default=0)

    @property
    def height(self) -> int:
        if self.kind == LINE:
            return 220
        per_row = 22 + len(self.series) * BAR_STEP + 10
        return max(40, len(self.rows) * per_row)

    # --- geometry ------------------------------------------------------------------------------

    def bar_rows(self) -> list[RowShape]:
        """Horizontal bars: a row's label, then a bar per series with its figure after it."""
        room = self.width - VALUE_ROOM
        highest = self.highest
        shapes, y = [], 0.0
        for i, row in enumerate(self.rows):
            label_y = y + 16
            y += 22
            bars = []
            for j, series in enumerate(self.series):
                figure = series.values[i]
                number = figure.number or 0
                length = round(room * max(0.0, number) / highest, 1) if highest and figure.shown else 0
                bars.append(
                    BarShape(
                        x=0,
                        y=y,
                        width=length,
                        height=BAR_HEIGHT,
                        text=figure.text,
                        text_x=length + 6,
                        style=j % MAX_SERIES_STYLES,
                        shown=figure.shown,
                    )
                )
                y += BAR_STEP
            y += 10
            shapes.append(RowShape(label=row, label_y=label_y, bars=bars))
        return shapes

    def _y_range(self) -> tuple[float, float]:
        if self.scale:
            return self.scale
        return 0.0, max(1.0, self.highest)

    def line_frame(self) -> dict:
        left, right, top, bottom = 34, self.width - 12, 14, self.height - 30
        low, high = self._y_range()

        def y(number: float) -> float:
            return round(bottom - (number - low) * (bottom - top) / (high - low or 1), 1)

        count = len(self.rows)
        step = (right - left) / (count - 1) if count > 1 else 0
        xs = [round(left + i * step, 1) if step else (left + right) / 2 for i in range(count)]
        levels = [low + (high - low) * k / 4 for k in range(5)]
        lines = []
        for j, series in enumerate(self.series):
            segments, current, points = [], [], []
            for x, figure in zip(xs, series.values, strict=True):
                if figure.number is None:
                    if current:
                        segments.append(current)
                    current = []
                    continue
                point = Point(x, y(figure.number), figure.text)
                current.append(point)
                points.append(point)
            if current:
                segments.append(current)
            lines.append(
                LineShape(
                    style=j % MAX_SERIES_STYLES,
                    segments=[" ".join(f"{p.x},{p.y}" for p in seg) for seg in segments if len(seg) > 1],
                    points=points,
                )
            )
        return {
            "left": left,
            "right": right,
            "bottom": bottom,
            "columns": [Tick(x, row) for x, row in zip(xs, self.rows, strict=True)],
            "levels": [Tick(y(level), _level_text(level)) for level in levels],
            "lines": lines,
        }


BAR_HEIGHT = 14
BAR_STEP = 18
VALUE_ROOM = 56  # room right of the longest bar for its figure


def _level_text(level: float) -> str:
    return f"{level:.1f}".rstrip("0").rstrip(".") if level % 1 else f"{int(level)}"


def bar_chart(key: str, title: str, row_heading: str, rows: list[str], series: list[Series], **kw) -> Chart:
    return Chart(key=key, title=title, row_heading=row_heading, rows=rows, series=series, kind=BAR, **kw)


def line_chart(key: str, title: str, row_heading: str, rows: list[str], series: list[Series], **kw) -> Chart:
    return Chart(key=key, title=title, row_heading=row_heading, rows=rows, series=series, kind=LINE, **kw)
