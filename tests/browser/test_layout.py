"""Layout on a small phone."""

from __future__ import annotations

import pytest

from hub.core.nav import YOUNG_TABS

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
MIN_TAP = 44


def horizontal_overflow(page) -> int:
    return page.evaluate("() => document.scrollingElement.scrollWidth")


def test_young_home_fits_a_360px_phone_with_big_tabs(browse, danish):
    """On a 360×740 phone the young person's home (and "Me") has no horizontal scroll, and
    every button in the bottom tab bar is at least 44 px tall, inside the screen."""
    ui = browse(viewport=SMALL_PHONE)
    page = ui.page
    ui.log_in("amina@example.org")
    assert page.url == ui.url("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Amina")

    for path in ("/", "/me"):
        if path != "/":
            ui.visit(path)
        width = horizontal_overflow(page)
        assert width <= SMALL_PHONE["width"], f"{path}: the page is {width} px wide, so it scrolls sideways"

        tabs = page.get_by_role("navigation", name=danish("Main menu")).get_by_role("link")
        expect(tabs).to_have_count(len(YOUNG_TABS))
        for tab in tabs.all():
            box = tab.bounding_box()
            name = tab.inner_text().strip()
            assert box is not None, f"{path}: tab {name!r} is not shown"
            assert box["height"] >= MIN_TAP, f"{path}: tab {name!r} is {box['height']} px tall"
            assert box["width"] >= MIN_TAP, f"{path}: tab {name!r} is {box['width']} px wide"
            assert 0 <= box["x"] and box["x"] + box["width"] <= SMALL_PHONE["width"] + 0.5, (path, name, box)
            assert box["y"] + box["height"] <= SMALL_PHONE["height"] + 0.5, f"{path}: tab {name!r} is below the screen"


def test_the_accessibility_check_catches_a_serious_violation(ui):
    """The axe helper itself: a page with an unlabelled field and an image without alt text
    fails the check (so a passing check means something)."""
    ui.visit("/privacy")
    ui.page.evaluate(
        """() => {
            const main = document.getElementById('main');
            main.insertAdjacentHTML('beforeend', '<input type="text"><img src="/static/icons/icon-192.png">');
        }"""
    )
    with pytest.raises(pytest.fail.Exception) as failed:
        ui.check()
    message = str(failed.value)
    assert "image-alt (critical)" in message and "label (critical)" in message, message
    ui.page.evaluate("() => document.querySelectorAll('#main > input, #main > img').forEach(e => e.remove())")
    ui.check()
