"""Possessives, lists and seeded texts in the reader's language (hub.core.wording)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hub.core.wording import and_list, localized, possessive


@pytest.mark.parametrize(
    "name, danish, english",
    [
        ("Sara", "Saras", "Sara's"),
        ("Sara Nielsen", "Sara Nielsens", "Sara Nielsen's"),
        ("Mads", "Mads'", "Mads's"),  # Danish: no extra s after s, x or z
        ("Felix", "Felix'", "Felix's"),
        ("Inez", "Inez'", "Inez's"),
        ("Mads Kristensen", "Mads Kristensens", "Mads Kristensen's"),
        ("AMINA", "AMINAs", "AMINA's"),
        ("Kanal 5", "Kanal 5's", "Kanal 5's"),  # after a digit, Danish writes an apostrophe too
        ("  Ali ", "Alis", "Ali's"),
        ("", "", ""),
    ],
)
def test_possessive(name, danish, english):
    assert possessive(name, "da") == danish
    assert possessive(name, "en") == english


def test_lists_join_with_the_languages_and():
    assert and_list(["plan", "bookinger", "klippekort"], "da") == "plan, bookinger og klippekort"
    assert and_list(["plan", "bookings", "klippekort"], "en") == "plan, bookings and klippekort"
    assert and_list(["plan"], "en") == "plan" and and_list([], "da") == ""


def test_localized_shows_english_only_when_it_is_written():
    offer = SimpleNamespace(title="Biograftur", title_en="A trip to the cinema", description="Film", description_en=" ")
    assert localized(offer, "title", "en") == "A trip to the cinema"
    assert localized(offer, "title", "da") == "Biograftur"
    assert localized(offer, "description", "en") == "Film", "blank English falls back to the Danish"
    assert localized(SimpleNamespace(name="Livslinien"), "name", "en") == "Livslinien", "no English column at all"


def test_the_readers_language_decides_in_a_request(app):
    line = SimpleNamespace(name="Børnetelefonen", name_en="Børnetelefonen (children's helpline)")
    with app.test_request_context("/?lang=en"):
        assert localized(line, "name") == "Børnetelefonen (children's helpline)"
        assert possessive("Sara") == "Sara's"
    with app.test_request_context("/?lang=da"):
        assert localized(line, "name") == "Børnetelefonen"
        assert possessive("Sara") == "Saras"


def test_templates_have_the_filters(app):
    with app.test_request_context("/?lang=da"):
        template = app.jinja_env.from_string(
            "{{ 'Mads'|possessive }} plan: {{ ['a', 'b']|and_list }} · {{ localized(o, 'title') }}"
        )
        assert (
            template.render(o=SimpleNamespace(title="Yoga", title_en="Yoga in English"))
            == "Mads&#39; plan: a og b · Yoga"  # escaped, as any text in a page
        )
