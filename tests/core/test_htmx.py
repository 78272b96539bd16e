"""hx_redirect: the way every form answers, with and without htmx; and the address a failed form keeps."""

from __future__ import annotations

from flask import Flask, request

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


# --- the address bar after a failed form ------------------------------------------------------


def app_with_answers():
    from hub import htmx

    app = Flask(__name__)
    htmx.init_app(app)

    @app.route("/form", methods=["GET", "POST"])
    def form():
        status = int(request.args.get("status", 200))
        headers = {"HX-Replace-Url": "/elsewhere"} if request.args.get("replace") else {}
        return "page", status, headers

    return app.test_client()


BOOSTED = {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": "http://hub.test/me/data"}


def test_a_boosted_form_that_failed_keeps_the_address_of_its_page():
    # htmx would push the POST's URL, which a refresh cannot load (405) and which is not the page shown.
    client = app_with_answers()
    for status in (400, 403, 409, 422, 429, 500):
        assert client.post(f"/form?status={status}", headers=BOOSTED).headers["HX-Push-Url"] == "false"


def test_an_answer_that_says_where_the_address_goes_is_left_alone():
    client = app_with_answers()
    assert "HX-Push-Url" not in client.post("/form?status=422&replace=1", headers=BOOSTED).headers
    assert client.post("/form?status=422&replace=1", headers=BOOSTED).headers["HX-Replace-Url"] == "/elsewhere"


def test_success_a_get_and_a_plain_form_keep_htmx_s_own_rule():
    client = app_with_answers()
    assert "HX-Push-Url" not in client.post("/form?status=200", headers=BOOSTED).headers  # a success
    assert "HX-Push-Url" not in client.get("/form?status=422", headers=BOOSTED).headers  # a search's address is its own
    assert "HX-Push-Url" not in client.post("/form?status=422").headers  # no htmx: the browser's own submit
