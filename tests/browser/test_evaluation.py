"""The evaluation's statistics page on a phone: every chart is an SVG with a title and a
description of its numbers, and behind it a table with the same numbers. Demo data; reads only."""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

STAFF = "personale@example.org"
SMALL_PHONE = {"width": 360, "height": 740}


def test_the_statistics_page_on_a_phone_has_described_charts_with_tables(browse):
    ui = browse(viewport=SMALL_PHONE)
    page = ui.page
    ui.log_in(STAFF)
    ui.visit("/staff/evaluation/stats")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    figures = page.locator("figure.evalchart")
    count = figures.count()
    assert count >= 10
    for i in range(count):
        figure = figures.nth(i)
        key = figure.get_attribute("id").removeprefix("chart-")
        svg = figure.locator("svg[role=img]").first
        assert svg.get_attribute("aria-labelledby") == f"{key}-title {key}-desc"
        title = svg.locator(f"title#{key}-title").text_content().strip()
        desc = svg.locator(f"desc#{key}-desc").text_content().strip()
        assert title and desc, key
        # The accessible name the browser gives the chart is its title and description.
        box = svg.bounding_box()
        assert box and box["width"] <= SMALL_PHONE["width"], f"{key}: the chart is wider than the phone"
        table = page.locator(f"table#table-{key}")
        if table.count():
            expect(table.locator("tbody tr").first).to_be_attached()
            details = table.locator("xpath=ancestor::details")
            details.locator("summary").click()
            expect(table).to_be_visible()
            # The description reads out the first row of the table.
            first_row = table.locator("tbody tr").first.locator("th").inner_text().strip()
            assert desc.startswith(first_row + ":"), (key, desc[:80], first_row)
    # Small groups: demo data has two young people in the trial, so their pulse is hidden.
    pulse = page.locator("table#table-pulse-latest tbody td").first
    expect(pulse).to_have_text("<5")
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], f"the page is {width} px wide, so it scrolls sideways"
    ui.check()
    ui.check("dark")
