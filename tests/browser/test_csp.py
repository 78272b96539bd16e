"""Every browser test listens for Content-Security-Policy violations and fails on any
(tests/browser/conftest.py). This shows the listener hears one: an inline script, which the
policy forbids, is blocked and reported."""

from __future__ import annotations

import pytest

from tests.browser.conftest import poll

pytestmark = pytest.mark.browser


def test_an_inline_script_is_blocked_and_the_listener_reports_it(ui):
    ui.visit("/login")
    ran = ui.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true;";
          document.head.appendChild(script);
          return window.inlineRan === true;
        }"""
    )
    assert ran is False  # the policy blocked it
    poll(ui.page, "() => true", lambda _: len(ui.csp_violations) == 1, "no violation reported")
    [seen] = ui.csp_violations
    assert seen["directive"].startswith("script-src") and seen["page"].endswith("/login")
    ui.csp_violations.clear()  # heard: the test's own violation must not fail it at the end
