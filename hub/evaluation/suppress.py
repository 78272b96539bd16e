"""Small groups stay hidden: one rule for every figure on the statistics page and in the files.

A figure computed from fewer than MIN_PEOPLE distinct people is shown as "<5" and left blank
in CSV files. A figure about nobody at all (0 people) names nobody, so it shows as 0 (a count)
or a dash (an average or a median, which has no value).
"""

from __future__ import annotations

from hub.core.charts import Value

MIN_PEOPLE = 5
HIDDEN = f"<{MIN_PEOPLE}"


def figure(number: float | None, people: int, *, digits: int = 0) -> Value:
    """The one helper: `number`, computed from `people` distinct people, as it may be shown."""
    if 0 < people < MIN_PEOPLE:
        return Value(None, HIDDEN)
    if number is None:
        return Value(None, "–")
    text = f"{number:.{digits}f}" if digits else f"{round(number):d}"
    return Value(number, text)


def csv_cell(shown: Value) -> object:
    """What a CSV file holds for a figure: the number, or nothing when it is hidden or missing."""
    return "" if shown.number is None else shown.text
