"""The access helper: someone else's object and a missing one both answer 404."""

from __future__ import annotations

from flask_login import current_user

from hub.access import get_or_404
from hub.accounts.models import User


def test_someone_elses_object_looks_missing(app, client, login_as, make):
    other = make.user(is_young=True)

    @app.route("/test/people/<int:user_id>")
    def person(user_id: int):
        return get_or_404(User, user_id, visible=lambda user: user.id == current_user.id).name

    me = login_as("young", name="Me Myself")
    assert client.get(f"/test/people/{me.id}").get_data(as_text=True) == "Me Myself"
    hidden, missing = client.get(f"/test/people/{other.id}"), client.get("/test/people/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data(as_text=True).count("404") == missing.get_data(as_text=True).count("404")
