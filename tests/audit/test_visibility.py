"""The young person's "Who can see what" page shows who looked and who changed something:
staff included, in plain words, the last 90 days, and only their own lines."""

from __future__ import annotations

from datetime import timedelta

from hub.audit.models import AuditEntry
from hub.db import utcnow
from hub.support.models import SupportLink
from tests.factories import make_user


def looks_section(page: str) -> str:
    return page.split('id="looks-title"')[1].split("</section>")[0]


def test_the_young_person_sees_who_looked_and_changed_staff_included(client, auth, world):
    with world() as s:
        sara = make_user(s, is_young=True)
        bo = make_user(s, is_young=True)
        louise = make_user(s, is_staff=True, name="Louise Staff")
        mikkel = make_user(s, is_staff=True, name="Mikkel Only-Bo")
        hanne = make_user(s, support_type="caseworker", name="Hanne Lund")
        s.add(SupportLink(young_id=sara.id, supporter_id=hanne.id, see_plan=True))
    # Louise reads Sara's klip and gives her klip; Hanne reads Sara's plan; Mikkel only reads Bo's.
    auth.login(louise)
    client.get(f"/staff/klip/people/{sara.id}")
    data = {"grant-amount": "2", "grant-reason": "Til bussen", "grant-key": "c" * 32}
    assert client.post(f"/staff/klip/people/{sara.id}/grant", data=data).status_code == 303
    auth.logout()
    auth.login(hanne)
    client.get(f"/young/{sara.id}/plan")
    auth.logout()
    auth.login(mikkel)
    client.get(f"/staff/klip/people/{bo.id}")
    auth.logout()
    with world() as s:  # someone long ago: older than 90 days is not shown
        ghost = make_user(s, is_staff=True, name="Gammel Kollega")
        at = utcnow() - timedelta(days=91)
        s.add(AuditEntry(actor_id=ghost.id, actor_kind="staff", young_id=sara.id, area="plan", action="read", at=at))

    client.get("/?lang=en")  # logging out forgot the language
    auth.login(sara)
    looks = looks_section(client.get("/support/visibility").get_data(as_text=True))
    items = looks.split("<li>")[1:]
    assert len(items) == 3
    newest, klip_change, klip_read = items
    assert "Hanne Lund" in newest and "(Caseworker)" in newest and "looked at your plan" in newest
    assert "Louise Staff" in klip_change and "(Hub staff)" in klip_change and "changed your klippekort" in klip_change
    assert "Louise Staff" in klip_read and "looked at your klippekort" in klip_read
    assert "Mikkel" not in looks and "Gammel Kollega" not in looks

    auth.logout()
    auth.login(bo)
    looks = looks_section(client.get("/support/visibility").get_data(as_text=True))
    assert "Mikkel Only-Bo" in looks and "Louise" not in looks and "Hanne" not in looks


def test_many_looks_are_one_line_with_how_many_times(client, auth, world, english):
    with world() as s:
        sara = make_user(s, is_young=True)
        louise = make_user(s, is_staff=True, name="Louise Staff")
        for hours in range(5):
            at = utcnow() - timedelta(hours=hours)
            s.add(
                AuditEntry(actor_id=louise.id, actor_kind="staff", young_id=sara.id, area="plan", action="read", at=at)
            )
    auth.login(sara)
    looks = looks_section(client.get("/support/visibility").get_data(as_text=True))
    assert looks.count("<li>") == 1 and "5 times" in looks and "Louise Staff" in looks


def test_a_deleted_account_still_shows_what_they_were(client, auth, world, english):
    with world() as s:
        sara = make_user(s, is_young=True)
        s.add(AuditEntry(actor_id=None, actor_kind="staff", young_id=sara.id, area="messages", action="read"))
    auth.login(sara)
    looks = looks_section(client.get("/support/visibility").get_data(as_text=True))
    assert "Someone who no longer uses Ungehub" in looks and "(Hub staff)" in looks
    assert "looked at your messages to the hub" in looks


def test_nobody_looked(client, login_as, english):
    login_as("young")
    looks = looks_section(client.get("/support/visibility").get_data(as_text=True))
    assert "No one has looked at your things in the last 90 days." in looks


def test_the_last_look_per_person_counts_only_while_they_are_in_the_circle(client, auth, world, english):
    with world() as s:
        sara = make_user(s, is_young=True)
        hanne = make_user(s, support_type="caseworker", name="Hanne Lund")
        # Hanne looked 20 days ago, left the circle, and was added again 5 days ago.
        at = utcnow() - timedelta(days=20)
        s.add(
            AuditEntry(actor_id=hanne.id, actor_kind="caseworker", young_id=sara.id, area="plan", action="read", at=at)
        )
        s.add(
            SupportLink(young_id=sara.id, supporter_id=hanne.id, see_plan=True, started_at=utcnow() - timedelta(days=5))
        )
    auth.login(sara)
    page = client.get("/support/visibility").get_data(as_text=True)
    table = page.split('class="share-cards"')[0]
    assert "Last looked" not in table  # not since she came back
    assert "Hanne Lund" in looks_section(page)  # but the log still says she looked
