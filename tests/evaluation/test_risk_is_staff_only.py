"""The risk category is for staff only: no page the young person can open ever shows it."""

from __future__ import annotations

import pytest

from hub.db import utcnow
from tests.evaluation.conftest import add_pulse, add_status, enrol, text
from tests.factories import make_user
from tests.test_access_matrix import MATRIX, OWNER, support_world

pytestmark = pytest.mark.usefixtures("english")

# What gives the risk category away: the labels staff see ("Risk of dropping out (staff only)",
# "Risk (staff only)") and the category itself, "middle" here (a word no other page uses).
# Searched case-insensitively. A JSON page (the young person's own data) must hold no "risk" key.
RISK_WORDS = ["risk of dropping out", "risk (staff only)", "risiko", "middle"]


def risk_keys(data) -> list:
    if isinstance(data, dict):
        found = [v for k, v in data.items() if k == "risk"]
        return found + [hit for v in data.values() for hit in risk_keys(v)]
    if isinstance(data, list):
        return [hit for v in data for hit in risk_keys(v)]
    return []


def young_pages(ids: dict) -> list[str]:
    """Every page (GET) in the access matrix a young person may open, for this young person."""
    paths = []
    for _endpoint, (method, path, allowed) in MATRIX.items():
        if method == "GET" and ("young" in allowed or allowed == OWNER):
            try:
                paths.append(path.format(**ids))
            except KeyError:  # needs an object of a kind not made here (an event, a voucher …)
                continue
    return paths


def test_no_page_of_the_young_persons_shows_the_risk_category(world, as_user):
    with world() as s:
        sara = make_user(s, is_young=True, name="Sara Nielsen")
        enrol(s, sara)
        add_status(s, sara, risk="middle", network_note="Ny kæreste", at=utcnow())
        add_status(s, sara, risk="middle", kind="follow_up", at=utcnow())
        add_pulse(s, sara)
        ids = {"young": sara.id, **support_world(s, sara.id)}
    client = as_user(sara)
    paths = young_pages(ids)
    assert "/pulse" in paths and "/" in paths and len(paths) > 20
    seen = 0
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            continue
        seen += 1
        body = text(response).lower()
        for word in RISK_WORDS:
            assert word not in body, f"{path} shows {word!r}"
        if response.is_json:
            assert risk_keys(response.get_json()) == [], f"{path} holds the risk category"
    assert seen > 15

    # The same words do show where staff look, so the search above would find them.
    with world() as s:
        louise = make_user(s, is_staff=True)
    staff_page = text(as_user(louise).get(f"/staff/evaluation/people/{sara.id}")).lower()
    assert "risk (staff only)" in staff_page and "middle" in staff_page
