"""hx_redirect: the way every form answers, with and without htmx."""

from __future__ import annotations

from flask import Flask

from hub.htmx import hx_redirect


def answer(headers: dict, location: str):
    app = Flask(__name__)
    with app.test_request_context("/support/options/3/ask", method="POST", headers=headers):
        return hx_redirect(location)


def test_a_plain_form_gets_a_303():
    response = answer({}, "/support/options#option-3")
    assert response.status_code == 303
    assert response.headers["Location"] == "/support/options#option-3"


def test_htmx_navigates_to_another_page_with_its_fragment():
    headers = {"HX-Request": "true", "HX-Current-URL": "http://hub.test/plan/goals/4"}
    response = answer(headers, "/plan#suggestions")
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/plan#suggestions"


def test_htmx_back_to_the_same_page_drops_the_fragment_so_the_page_loads_again():
    # Setting window.location to the same page plus a #fragment only scrolls: the person
    # would never see that their request was sent.
    for current in ("http://hub.test/support/options", "http://hub.test/support/options#option-3"):
        headers = {"HX-Request": "true", "HX-Current-URL": current}
        assert answer(headers, "/support/options#option-3").headers["HX-Redirect"] == "/support/options"


def test_htmx_same_path_with_another_query_keeps_the_fragment():
    headers = {"HX-Request": "true", "HX-Current-URL": "http://hub.test/plan/changes?since=2026-01-01"}
    assert answer(headers, "/plan/changes#top").headers["HX-Redirect"] == "/plan/changes#top"
