"""The statistics page: every chart has its numbers in a table, and small groups never show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from hub.core.charts import Series, Value, bar_chart, line_chart, value
from hub.db import utcnow
from hub.evaluation import stats
from hub.evaluation.services import HUB_TZ
from hub.evaluation.suppress import csv_cell, figure
from hub.support.models import ChangeKind, SupportChange, SupportOption
from tests.evaluation.conftest import (
    add_pulse,
    add_status,
    came_to_event,
    charts_on,
    enrolled_people,
    read_csv,
    squash,
    text,
)
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")


# --- the one rule for small groups ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "people", "text", "cell"),
    [
        (4, 4, "<5", ""),
        (17, 4, "<5", ""),  # 17 visits by 4 people: still about 4 people
        (1, 1, "<5", ""),
        (5, 5, "5", "5"),
        (12, 9, "12", "12"),
        (0, 0, "0", "0"),  # nobody: names nobody
        (None, 0, "–", ""),  # an average of nobody
    ],
)
def test_a_figure_from_fewer_than_five_people_is_hidden(number, people, text, cell):
    shown = figure(number, people)
    assert shown.text == text and csv_cell(shown) == cell
    assert (shown.number is None) == (cell == "")


def test_decimals():
    assert figure(3.456, 7, digits=1).text == "3.5"


# --- the chart module ----------------------------------------------------------------------------------------


def test_bars_are_drawn_to_scale_and_a_hidden_figure_draws_nothing():
    chart = bar_chart(
        "c",
        "Title",
        "Row",
        ["a", "b", "c"],
        [Series("people", [value(10), value(5), Value(None, "<5")])],
    )
    [a], [b], [c] = (row.bars for row in chart.bar_rows())
    assert a.width == chart.width - 56 and b.width == a.width / 2
    assert (c.width, c.text, c.shown) == (0, "<5", False)
    assert chart.description == "a: people 10; b: people 5; c: people <5"
    assert chart.table == [("a", [value(10)]), ("b", [value(5)]), ("c", [Value(None, "<5")])]


def test_a_line_breaks_where_a_figure_is_missing():
    chart = line_chart(
        "l",
        "Title",
        "When",
        ["start", "6", "12", "18"],
        [Series("2026", [value(1), value(2), Value(None, "<5"), value(4)])],
        scale=(0, 4),
    )
    [line] = chart.line_frame()["lines"]
    assert len(line.points) == 3 and len(line.segments) == 1  # the lone last point is a dot, not a line
    assert line.segments[0].count(",") == 2


def test_a_chart_with_nothing_in_it_says_so():
    assert bar_chart("e", "Empty", "Row", [], [Series("s", [])], empty="Nothing yet.").description == "Nothing yet."


def test_a_series_must_have_a_figure_per_row():
    with pytest.raises(ValueError):
        bar_chart("x", "X", "Row", ["a", "b"], [Series("s", [value(1)])])


# --- the page and its CSV --------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(world, as_user):
    with world() as s:
        louise = make_user(s, is_staff=True)
    return as_user(louise)


def _this_month_and_last(now):
    local = now.astimezone(HUB_TZ)
    return local, (local.replace(day=1) - timedelta(days=1)).replace(day=15, hour=12)


@pytest.mark.clock
def test_participation_hides_a_month_with_fewer_than_five_people(world, staff_client):
    now = utcnow()
    this_month, last_month = _this_month_and_last(now)
    with world() as s:
        five = enrolled_people(s, 5)
        four = [make_user(s, is_young=True) for _ in range(4)]
        came_to_event(s, five, when=now)
        came_to_event(s, five[:2], when=now, category="health")
        came_to_event(s, four, when=last_month)
        came_to_event(s, four, when=last_month)
    this_key, last_key = (m.strftime("%Y-%m") for m in (this_month, last_month))
    page = staff_client.get("/staff/evaluation/stats")
    assert page.status_code == 200
    charts = charts_on(text(page))
    monthly = {row[0]: row[1:] for row in charts["participation-month"]["rows"][1:]}
    assert monthly[this_key] == ["5", "7"]  # 5 people, 7 visits
    assert monthly[last_key] == ["<5", "<5"]  # 4 people, 8 visits: both hidden
    by_kind = {row[0]: row[1:] for row in charts["participation-category"]["rows"][1:]}
    assert by_kind["Workshop"] == ["9", "13"] and by_kind["Movement and health"] == ["<5", "<5"]

    rows = read_csv(text(staff_client.get("/staff/evaluation/stats.csv")))
    cells = {(r["chart"], r["row"], r["series"]): r["value"] for r in rows}
    assert cells[("participation-month", this_key, "People who came")] == "5"
    assert cells[("participation-month", this_key, "Visits")] == "7"
    assert cells[("participation-month", last_key, "People who came")] == ""
    assert cells[("participation-month", last_key, "Visits")] == ""
    assert "<5" not in text(staff_client.get("/staff/evaluation/stats.csv"))

    # Only the young people in the trial: the four outside it are gone, the five remain.
    trial = charts_on(text(staff_client.get("/staff/evaluation/stats?scope=trial")))
    monthly = {row[0]: row[1:] for row in trial["participation-month"]["rows"][1:]}
    assert monthly[this_key] == ["5", "7"] and monthly[last_key] == ["0", "0"]


def test_every_chart_has_a_title_a_description_and_a_table_with_the_same_numbers(world, staff_client):
    now = utcnow()
    with world() as s:
        cohort = enrolled_people(s, 6, at=now - timedelta(days=200))
        for i, young in enumerate(cohort):
            add_status(s, young, at=now - timedelta(days=199), occupation="neither", network=2)
            if i < 5:
                add_status(s, young, at=now - timedelta(days=10), kind="follow_up", network=4)
            add_pulse(s, young, score=4)
        came_to_event(s, cohort, when=now - timedelta(days=3))
        s.add(SupportOption(kind="mentor", name="Frivillig mentor"))
        for young in cohort:
            s.add(SupportChange(young_id=young.id, kind=ChangeKind.PRIMARY_CHOSEN, supporter_type="caseworker"))
        s.flush()
    charts = charts_on(text(staff_client.get("/staff/evaluation/stats")))
    expected = {
        "participation-month",
        "participation-category",
        "support-primary",
        "support-options",
        "klip-category",
        "messages-topic",
        "messages-response",
        "goals-area",
        "status-occupation",
        "status-network",
        "status-housing",
        "status-occupation-now",
        "pulse-latest",
    }
    assert set(charts) == expected
    for key, chart in charts.items():
        assert chart["svg"].get("aria-labelledby") == f"{key}-title {key}-desc", key
        assert squash(chart["title"]) and squash(chart["desc"]), key
        header, *body = chart["rows"]
        assert body, f"{key} has no table"
        # The description reads out every cell of the table, in order.
        described = "; ".join(
            f"{row[0]}: " + ", ".join(f"{h} {v}" for h, v in zip(header[1:], row[1:], strict=True)) for row in body
        )
        assert squash(chart["desc"]) == squash(described), key
        if chart["drawn"]:  # a bar chart prints each figure beside its bar
            assert chart["drawn"] == [v for row in body for v in row[1:]], key

    occupation = {row[0]: row[1:] for row in charts["status-occupation"]["rows"][1:]}
    assert occupation["Start"] == ["0"] and occupation["6 months"] == ["100"]
    network = {row[0]: row[1:] for row in charts["status-network"]["rows"][1:]}
    assert network["Start"] == ["2.0"] and network["6 months"] == ["4.0"]
    pulse = {row[0]: row[1:] for row in charts["pulse-latest"]["rows"][1:]}
    assert pulse["Someone to talk to"] == ["4.0"]
    primary = {row[0]: row[1:] for row in charts["support-primary"]["rows"][1:]}
    assert primary["Caseworker"] == ["6", "6"]


@pytest.mark.clock
def test_status_over_time_hides_a_round_with_fewer_than_five_people(world):
    now = utcnow()
    with world() as s:
        cohort = enrolled_people(s, 5, cohort=2025, at=now - timedelta(days=200))
        for i, young in enumerate(cohort):
            add_status(s, young, at=now - timedelta(days=199), occupation="job")
            if i < 4:  # only four have a follow-up
                add_status(s, young, at=now - timedelta(days=5), kind="follow_up", occupation="neither")
        with force_locale("en"):
            [occupation, network] = stats.status_over_time(s)
    assert [series.label for series in occupation.series] == ["Cohort 2025"]
    assert [v.text for v in occupation.series[0].values] == ["100", "<5"]
    assert [v.text for v in network.series[0].values] == ["3.0", "<5"]
    assert "Start: Cohort 2025 100; 6 months: Cohort 2025 <5" == occupation.description


def test_small_groups_are_hidden_in_every_section(world, staff_client):
    """Four people doing everything: no figure about them shows anywhere on the page."""
    now = utcnow()
    with world() as s:
        four = enrolled_people(s, 4, at=now - timedelta(days=30))
        for young in four:
            add_status(s, young, housing="homeless", network=5)
            add_pulse(s, young, score=5)
            s.add(SupportChange(young_id=young.id, kind=ChangeKind.PRIMARY_CHOSEN, supporter_type="network"))
        came_to_event(s, four, when=now - timedelta(days=1))
        s.flush()
    charts = charts_on(text(staff_client.get("/staff/evaluation/stats")))
    for key, chart in charts.items():
        for row in chart["rows"][1:]:
            assert all(cell in ("<5", "0", "–") for cell in row[1:]), (key, row)
    rows = read_csv(text(staff_client.get("/staff/evaluation/stats.csv")))
    assert rows and all(r["value"] in ("", "0") for r in rows)
