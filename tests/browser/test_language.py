"""Language as a careful editor would have it, in Chromium on a phone:

- a young person reading English meets no Danish the app seeded (crisis lines, support options,
  klip offers, events), only what staff typed themselves;
- staff read about a young person by name ("Saras plan", "Sara's plan"), and admins read the
  audit log as sentences ("Louise Holm read Sara Nielsen's plan"), in both languages.
"""

from __future__ import annotations

import importlib.util
import sqlite3

import pytest

from hub import ROOT
from hub.credits.demo import OFFERS
from hub.events.demo import PROGRAM

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser


def _migration(name: str):
    path = next((ROOT / "migrations" / "versions").glob(f"*_{name}.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seeded_danish() -> set[str]:
    """Every Danish text the app seeds that has an English version (the sources themselves)."""
    texts = set()
    for _partner, title, _category, _kind, _price, _icon, description, _title_en, _description_en in OFFERS:
        texts |= {title, description}
    for *_when, title, _category, _capacity, _price, description, extra in PROGRAM:
        texts |= {title, description, extra.get("accessibility", "")}
    for _phone, name, description, name_en, _description_en in _migration("english_seeds").SEEDED_LINES:
        texts |= {description} | ({name} if name not in name_en else set())
    for _kind, name, description, _name_en, _description_en in _migration(
        "support_circle_options_plan_check_ins"
    ).SEED_OPTIONS:
        texts |= {name, description}
    texts.discard("")
    return texts


def danish_left(text: str, seeded: set[str]) -> list[str]:
    # Event cards cut a description at 140 characters: its first 60 are enough to tell.
    return sorted(danish for danish in seeded if danish[:60] in text)


def test_english_mode_shows_no_danish_that_the_app_seeded(ui):
    seeded = seeded_danish()
    assert {"Mad for en SU", "Frivillig mentor", "Biograftur i Øst for Paradis"} <= seeded
    assert "Til dig under 18, om alt. Anonymt og gratis." in seeded
    ui.log_in("ung@example.org")
    ui.visit("/?lang=en")
    assert ui.lang() == "en"
    expected = {
        "/": "Food on a student grant",
        "/support/options": "A volunteer mentor",
        "/klip/offers": "Cinema at Øst for Paradis",
        "/events": "Community dinner",
        "/help": "For you if you are under 18, about anything.",
    }
    for path, english in expected.items():
        ui.visit(path)
        main = ui.page.locator("main")
        expect(main).to_contain_text(english)
        assert danish_left(main.inner_text(), seeded) == [], path
    # The klip history names the offer Sara bought in English too.
    ui.visit("/klip")
    expect(ui.page.locator("main")).to_contain_text("You used 1 klip on Cinema at Øst for Paradis")
    # Danish is still Danish.
    ui.visit("/events?lang=da")
    expect(ui.page.locator("main")).to_contain_text("Mad for en SU")


def sara_id(ui) -> int:
    with sqlite3.connect(ui.server.database, timeout=10) as db:
        return db.execute("SELECT id FROM user_account WHERE email = 'ung@example.org'").fetchone()[0]


def test_staff_read_saras_plan_and_the_audit_log_in_words(browse, danish):
    staff = browse()
    staff.log_in("personale@example.org")
    sara = sara_id(staff)
    staff.visit(f"/young/{sara}/plan?lang=da")
    expect(staff.page.locator("h1")).to_have_text("Saras plan")
    staff.visit(f"/young/{sara}/plan?lang=en")
    expect(staff.page.locator("h1")).to_have_text("Sara's plan")
    staff.visit(f"/staff/support/people/{sara}")
    expect(staff.page.locator("main")).to_contain_text("Sees Sara's plan")
    expect(staff.page.locator("main")).not_to_contain_text("Your plan")

    admin = browse()
    admin.log_in("admin@example.org")
    admin.visit(f"/admin/audit?young_id={sara}&lang=en")
    results = admin.page.locator("#audit-results")
    expect(results).to_contain_text("Louise Holm read Sara Nielsen's plan")
    expect(results).not_to_contain_text("plan.comment")
    # The names are links to everything that person did, or had done.
    expect(results.get_by_role("link", name="Sara Nielsen's").first).to_have_attribute(
        "href", f"/admin/audit?young_id={sara}"
    )
    admin.visit(f"/admin/audit?young_id={sara}&lang=da")
    expect(results).to_contain_text("Louise Holm læste Sara Nielsens plan")
    assert danish("%(actor)s read %(whose)s plan") == "%(actor)s læste %(whose)s plan"
