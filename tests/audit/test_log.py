"""Writing the log: who, what, when; a read once per visit, every change; never deleted."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from hub.audit import services as audit
from hub.audit.models import AuditEntry, AuditEntryDeleted
from hub.db import utcnow
from tests.factories import make_user


def test_a_read_is_written_once_per_visit_and_again_after_the_gap(world, entries):
    now = utcnow()
    with world() as s:
        staff, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        for minutes in (0, 3, 9):  # one visit: the page and its swaps
            audit.record(s, actor=staff, young_id=young.id, area="plan", now=now + timedelta(minutes=minutes))
        audit.record(s, actor=staff, young_id=young.id, area="klip", now=now + timedelta(minutes=9))  # another area
        audit.record(s, actor=staff, young_id=young.id, area="plan", object_id=7, now=now)  # another thing
        audit.record(s, actor=staff, young_id=young.id, area="plan", now=now + audit.READ_GAP + timedelta(minutes=1))
    rows = entries(young_id=young.id)
    assert Counter((e.area, e.object_id) for e in rows) == {("plan", None): 2, ("plan", 7): 1, ("klip", None): 1}
    assert {(e.actor_id, e.action, e.actor_kind) for e in rows} == {(staff.id, "read", "staff")}


def test_every_change_is_written_with_who_what_and_when(world, entries):
    with world() as s:
        staff, young = make_user(s, is_staff=True, is_admin=True), make_user(s, is_young=True)
        for _ in range(2):
            audit.record_change(s, actor=staff, young_id=young.id, area="klip", detail="klip.grant", object_id=3)
    rows = entries(young_id=young.id)
    assert [(e.actor_id, e.actor_kind, e.area, e.action, e.detail, e.object_id) for e in rows] == [
        (staff.id, "admin", "klip", "change", "klip.grant", 3)
    ] * 2
    assert all(utcnow() - e.at < timedelta(minutes=1) for e in rows)


def test_the_young_persons_own_use_is_not_logged_and_support_people_are_by_kind(world, entries):
    with world() as s:
        young, mentor = make_user(s, is_young=True), make_user(s, is_mentor=True)
        caseworker = make_user(s, support_type="caseworker")
        assert audit.record(s, actor=young, young_id=young.id, area="plan") is None
        audit.record(s, actor=mentor, young_id=young.id, area="plan")
        audit.record(s, actor=caseworker, young_id=young.id, area="wellbeing")
    assert [(e.actor_id, e.actor_kind) for e in entries(young_id=young.id)] == [
        (mentor.id, "mentor"),
        (caseworker.id, "caseworker"),
    ]


def test_an_unknown_area_or_action_is_a_programming_error(world):
    with world() as s:
        staff, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        with pytest.raises(ValueError):
            audit.record(s, actor=staff, young_id=young.id, area="diary")
        with pytest.raises(ValueError):
            audit.record(s, actor=staff, young_id=young.id, area="plan", action="delete")


def test_the_app_cannot_delete_an_entry(world, entries):
    with world() as s:
        staff, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        audit.record(s, actor=staff, young_id=young.id, area="plan")
    with pytest.raises(AuditEntryDeleted), world() as s:
        s.delete(s.get(AuditEntry, entries()[0].id))
        s.flush()
    assert len(entries()) == 1


def test_no_route_writes_to_the_log_for_admins_or_staff(app):
    """The only audit routes read: nobody can change or delete the log through the app."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("audit.")]
    assert rules and all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in rules)
