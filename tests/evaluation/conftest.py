"""A small world for evaluation tests: young people in cohorts, their records, events they came to."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlmodel import Session

from hub.db import utcnow
from hub.evaluation.models import EvaluationEnrolment, PulseAnswer, StatusRecord
from hub.events.models import Booking, BookingStatus, Event
from tests.conftest import Auth
from tests.factories import make_user

KEY = "test-evaluation-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def evaluation_key(app):
    """A key of the test's own, so no test writes one into the instance folder."""
    app.config["EVALUATION_KEY"] = KEY


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def as_user(app):
    """A logged-in client of its own for someone: `client = as_user(user)` (English copy)."""

    def login(user):
        client = app.test_client()
        client.get("/?lang=en")
        Auth(client).login(user)  # staff also answer the second step
        return client

    return login


def enrol(s: Session, young, *, cohort: int = 2026, at: datetime | None = None) -> EvaluationEnrolment:
    at = at or utcnow()
    young.trial_enrolled_at = at
    enrolment = EvaluationEnrolment(young_id=young.id, cohort_year=cohort, enrolled_at=at)
    s.add(enrolment)
    s.flush()
    return enrolment


def enrolled_people(s: Session, count: int, *, cohort: int = 2026, at: datetime | None = None, **user) -> list:
    people = []
    for _ in range(count):
        young = make_user(s, is_young=True, **user)
        enrol(s, young, cohort=cohort, at=at)
        people.append(young)
    return people


def add_status(s: Session, young, *, at: datetime | None = None, **values) -> StatusRecord:
    values = {
        "kind": "start",
        "housing": "own_home",
        "occupation": "education",
        "risk": "low",
        "network": 3,
        **values,
    }
    record = StatusRecord(young_id=young.id, recorded_at=at or utcnow(), **values)
    s.add(record)
    s.flush()
    return record


def add_pulse(s: Session, young, *, at: datetime | None = None, score: int = 3) -> PulseAnswer:
    answer = PulseAnswer(
        young_id=young.id, talk=score, home=score, days=score, say=score, future=score, answered_at=at or utcnow()
    )
    s.add(answer)
    s.flush()
    return answer


def came_to_event(s: Session, people, *, when: datetime, category: str = "workshop") -> Event:
    """An event at `when` where each of `people` was checked in."""
    event = Event(
        title="Madklub",
        category=category,
        starts_at=when,
        ends_at=when + timedelta(hours=2),
        place="Ungehub",
        capacity=40,
    )
    s.add(event)
    s.flush()
    for number, person in enumerate(people):
        s.add(
            Booking(
                event_id=event.id,
                user_id=person.id,
                status=BookingStatus.CONFIRMED,
                ticket_code=f"t{event.id}-{number}",
                checked_in_at=when,
            )
        )
    s.flush()
    return event


def read_csv(body: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body)))


class ChartParser(HTMLParser):
    """Each chart on a page: its title, description, the figures drawn in the SVG and its table."""

    def __init__(self):
        super().__init__()
        self.charts: dict[str, dict] = {}
        self._chart = None
        self._in = None  # "title", "desc", "value", "cell", "head"
        self._table = None
        self._row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and (attrs.get("id") or "").startswith("chart-"):
            key = attrs["id"][len("chart-") :]
            self._chart = self.charts.setdefault(key, {"title": "", "desc": "", "drawn": [], "rows": [], "svg": {}})
        elif self._chart is not None and tag == "svg" and attrs.get("role") == "img":
            self._chart["svg"] = attrs
        elif self._chart is not None and tag in ("title", "desc"):
            self._in = tag
        elif self._chart is not None and tag == "text" and "chart__value" in (attrs.get("class") or ""):
            self._in = "value"
            self._chart["drawn"].append("")
        elif tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self._table = self.charts.setdefault(attrs["id"][len("table-") :], {"rows": []})
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._table is not None and self._row is not None and tag in ("td", "th"):
            self._row.append("")
            self._in = "cell"

    def handle_endtag(self, tag):
        if tag in ("title", "desc", "text", "td", "th"):
            self._in = None
        if tag == "figure":
            self._chart = None
        if tag == "tr" and self._table is not None and self._row is not None:
            self._table["rows"].append([cell.strip() for cell in self._row])
            self._row = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._in in ("title", "desc") and self._chart is not None:
            self._chart[self._in] += data
        elif self._in == "value" and self._chart is not None:
            self._chart["drawn"][-1] += data.strip()
        elif self._in == "cell" and self._row is not None:
            self._row[-1] += data


def charts_on(html: str) -> dict[str, dict]:
    parser = ChartParser()
    parser.feed(html)
    return parser.charts


def squash(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()
