"""The audit log reads as sentences: who did what to whose data, in Danish and English."""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from hub import ROOT
from hub.audit import sentences
from hub.audit.models import Action, Area, AuditEntry
from hub.support.models import OptionKind, SupportItem, SupportOption
from tests.factories import make_user

CODE = re.compile(r"^[a-z]+\.[a-z_]+$")
# The audit writer, and the small helpers views wrap it in (each passes its detail code on).
WRITERS = {"record", "record_change", "record_changes", "_toggle"}
HELPER = re.compile(r"^_\w+_changed$")
SUPPORT_ACTIONS = {"_item_action", "_simple"}  # their action becomes f"support.{action}"


def _codes_in(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)} & {
        value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(value := n.value, str) and CODE.match(value)
    }


def written_codes() -> set[str]:
    """Every detail code the app hands the audit writer, read from the source (not a list kept by hand)."""
    codes: set[str] = set()
    for path in Path(ROOT, "hub").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WRITERS or HELPER.match(name):
                for keyword in call.keywords:
                    if keyword.arg == "detail":
                        codes |= _codes_in(keyword.value)
                if name != "record":
                    for arg in call.args:
                        codes |= _codes_in(arg)
            elif name in SUPPORT_ACTIONS and len(call.args) >= 2:
                action = call.args[1]
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    codes.add(f"support.{action.value}")
    return codes


def test_every_code_the_app_writes_has_a_sentence():
    codes = written_codes()
    # The scan finds the codes of every domain that writes one (a scan that found nothing would pass).
    assert {"plan.comment", "checkin.log", "booking.walk_in", "account.closed", "klip.grant"} <= codes
    assert {"support.activate", "support.pause", "support.nominee_invited", "rights.erase"} <= codes
    missing = sorted(codes - set(sentences.CHANGES))
    assert not missing, f"codes written to the audit log without a sentence in hub/audit/sentences.py: {missing}"
    assert set(Area) <= set(sentences.READS), "every area can be read"


def test_every_sentence_is_in_danish(app):
    with app.test_request_context():
        with force_locale("da"):
            for sentence in [*sentences.CHANGES.values(), *sentences.READS.values()]:
                for text in filter(None, (sentence.text, sentence.plain)):
                    english = text._args[0]
                    assert str(text) != english, f"no Danish for {english!r}"
                    if sentence.thing and text is sentence.text:
                        assert "%(thing)s" in str(text)


@pytest.fixture
def activation(world):
    with world() as s:
        sara = make_user(s, is_young=True, name="Sara Nielsen")
        mads = make_user(s, is_young=True, name="Mads Kristensen")
        louise = make_user(s, is_staff=True, name="Louise Holm")
        option = SupportOption(kind=OptionKind.MENTOR, name="Frivillig mentor", name_en="Mentor", position=1)
        s.add(option)
        s.flush()
        item = SupportItem(young_id=sara.id, option_id=option.id)
        s.add(item)
        s.flush()
        return {"sara": sara.id, "mads": mads.id, "louise": louise.id, "item": item.id}


def _entry(actor, young, area, action, detail="", object_id=None) -> AuditEntry:
    return AuditEntry(
        actor_id=actor, actor_kind="staff", young_id=young, area=area, action=action, detail=detail, object_id=object_id
    )


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "Louise Holm activated Sara Nielsen's support option “Mentor”"),
        ("da", "Louise Holm satte Sara Nielsens støttemulighed “Frivillig mentor” i gang"),
    ],
)
def test_a_change_names_who_whose_and_what(app, world, activation, language, expected):
    entry = _entry(activation["louise"], activation["sara"], Area.SUPPORT, Action.CHANGE, "support.activate")
    entry.object_id = activation["item"]
    with world() as s, app.test_request_context(), force_locale(language):
        things = sentences.things_for(s, [entry])
        thing = sentences.thing_of(entry, things)
        assert sentences.describe(entry, actor="Louise Holm", young="Sara Nielsen", thing=thing) == expected


@pytest.mark.parametrize(
    "language, expected",
    [("en", "Louise Holm read Mads Kristensen's plan"), ("da", "Louise Holm læste Mads Kristensens plan")],
)
def test_a_read_names_the_area(app, language, expected):
    entry = _entry(1, 2, Area.PLAN, Action.READ)
    with app.test_request_context(), force_locale(language):
        assert sentences.describe(entry, actor="Louise Holm", young="Mads Kristensen") == expected


def test_a_name_ending_in_s_takes_the_danish_apostrophe(app):
    entry = _entry(1, 2, Area.KLIP, Action.READ)
    with app.test_request_context(), force_locale("da"):
        assert sentences.describe(entry, actor="Louise Holm", young="Mads") == "Louise Holm så Mads' klippekort"


def test_unknown_codes_and_missing_things_still_read_as_sentences(app):
    unknown = _entry(1, 2, Area.SUPPORT, Action.CHANGE, "support.teleport", object_id=6)
    gone = _entry(1, 2, Area.SUPPORT, Action.CHANGE, "support.pause", object_id=6)
    with app.test_request_context(), force_locale("en"):
        assert sentences.describe(unknown, actor="Louise Holm", young="Sara") == (
            "Louise Holm changed something in Sara's things (Support)"
        )
        assert sentences.describe(gone, actor="Louise Holm", young="Sara", thing=None) == (
            "Louise Holm paused a support option of Sara's"
        )
        assert sentences.describe(gone, actor=None, young=None) == (
            "A deleted account paused a support option of a deleted account's"
        )


def test_the_page_escapes_names_and_links_them(app):
    entry = _entry(1, 2, Area.PLAN, Action.READ)
    with app.test_request_context(), force_locale("en"):
        html = str(
            sentences.describe_html(
                entry, actor="<b>Eve</b>", young="Sara", thing=None, actor_url="/a?x=1&y=2", young_url="/y"
            )
        )
    assert html == '<a href="/a?x=1&amp;y=2">&lt;b&gt;Eve&lt;/b&gt;</a> read <a href="/y">Sara&#39;s</a> plan'


def test_the_admin_page_and_the_csv_show_the_sentence(client, login_as, world, activation, english):
    with world() as s:
        s.add(
            _entry(
                activation["louise"],
                activation["sara"],
                Area.SUPPORT,
                Action.CHANGE,
                "support.activate",
                object_id=activation["item"],
            )
        )
    login_as("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "activated <a" in page and "Sara Nielsen&#39;s</a> support option “Mentor”" in page
    assert "support.activate" not in page and f"#{activation['item']}" not in page
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/audit.csv").get_data(as_text=True))))
    assert rows[0]["detail"] == "support.activate"  # the codes stay, for whoever analyses the file
    assert rows[0]["sentence"] == "Louise Holm activated Sara Nielsen's support option “Mentor”"
