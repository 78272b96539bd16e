"""The navigation marks where you are by whole path segments."""

from __future__ import annotations

import re


def current_tab(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page"', html)


def test_messages_is_not_mistaken_for_me(client, login_as):
    login_as("young")
    assert current_tab(client.get("/messages").get_data(as_text=True)) == ["/messages"]
    assert current_tab(client.get("/me").get_data(as_text=True)) == ["/me"]
    assert current_tab(client.get("/me/profile").get_data(as_text=True)) == ["/me"]
    assert current_tab(client.get("/").get_data(as_text=True)) == ["/"]
