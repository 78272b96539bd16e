"""Numbers for evaluation: median first answer, conversations by topic per month, and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from hub.db import utcnow
from hub.messages import hours, stats
from hub.messages.models import Conversation
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")


def started(s, young, *, topic, at, answered_after=None, supporter=None):
    s.add(
        Conversation(
            young_id=young.id,
            topic=topic,
            started_by_id=young.id,
            supporter_id=supporter.id if supporter else None,
            created_at=at,
            last_message_at=at,
            first_response_at=at + answered_after if answered_after else None,
        )
    )
    s.flush()


def known_world(s, now):
    young, supporter = make_user(s, is_young=True), make_user(s, support_type="caseworker")
    staff = make_user(s, is_staff=True)
    day = now - timedelta(days=1)
    started(s, young, topic="housing", at=day, answered_after=timedelta(hours=1))
    started(s, young, topic="housing", at=day, answered_after=timedelta(hours=2, minutes=30))
    started(s, young, topic="money", at=day, answered_after=timedelta(hours=4))
    started(s, young, topic="money", at=day)  # not answered yet
    started(s, young, topic="job", at=day, answered_after=timedelta(minutes=5), supporter=supporter)  # not the hub's
    started(s, young, topic="job", at=now - timedelta(days=400), answered_after=timedelta(hours=9))  # too long ago
    s.add(Conversation(young_id=young.id, topic="job", started_by_id=staff.id, created_at=day, last_message_at=day))
    s.flush()


@pytest.mark.clock
def test_medians_and_months_on_known_data(world):
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    with world() as s:
        known_world(s, now)
        since, until = stats.year_back(now, hours.AARHUS)
        result = stats.numbers(s, since=since, until=until, tz=hours.AARHUS)
    assert result.median_all == timedelta(hours=2, minutes=30)  # of 1 h, 2 h 30, 4 h
    assert result.median_by_topic["housing"] == timedelta(hours=1, minutes=45)
    assert result.median_by_topic["money"] == timedelta(hours=4)
    assert result.median_by_topic["job"] is None and result.answered == 3
    assert [m.key for m in result.months][0] == "2025-12" and len(result.months) == 12
    november = result.months[-1]
    assert november.by_category["housing"] == 2 and november.by_category["money"] == 2
    assert november.by_category["job"] == 1  # with the support person, yes; started by staff, no
    assert november.total == 5


def test_the_page_and_the_csv(client, login_as, world):
    now = utcnow()
    with world() as s:
        known_world(s, now)
    login_as("staff")
    page = client.get("/staff/messages/stats").get_data(as_text=True)
    assert "Median first answer: 2 hours and 30 minutes" in page
    assert 'role="img"' in page and "<title" in page
    response = client.get("/staff/messages/stats.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == stats.CSV_COLUMNS
    month = (now - timedelta(days=1)).astimezone(hours.AARHUS).strftime("%Y-%m")
    assert [month, "housing", "2", "2", "105"] in rows
    assert [month, "money", "2", "1", "240"] in rows
    assert [month, "job", "1", "0", ""] in rows


def test_no_data_is_no_error(client, login_as):
    login_as("admin")
    assert "Median first answer: –" in client.get("/staff/messages/stats").get_data(as_text=True)
    assert client.get("/staff/messages/stats.csv").get_data(as_text=True).strip() == ",".join(stats.CSV_COLUMNS)
