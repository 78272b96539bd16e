"""Dates, times and counted nouns as a careful editor would have them, on a phone in Chromium.

A young person's booking, events, voucher and wallet, and a staff member's inbox and events, in
Danish ("onsdag 9. december kl. 15.00", "9. dec. kl. 00.00", "1 time") and in British English
("Wednesday 9 December, 15:00", "9 Dec, 00:00", "1 hour"): never "12/6/26, 12:00 AM", never
"den tirsdag den 15. december", never "1 timer" or "1 gange". The pages only read, so the shared
demo server will do.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

DA_MONTH = "(januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december)"
DA_SHORT_MONTH = r"(jan\.|feb\.|mar\.|apr\.|maj|jun\.|jul\.|aug\.|sep\.|okt\.|nov\.|dec\.)"
DA_WEEKDAY = "(mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag)"
EN_MONTH = "(January|February|March|April|May|June|July|August|September|October|November|December)"
EN_SHORT_MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept|Oct|Nov|Dec)"
EN_WEEKDAY = "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"

DA = {
    "span": re.compile(rf"{DA_WEEKDAY} \d{{1,2}}\. {DA_MONTH} kl\. \d\d\.\d\d–\d\d\.\d\d"),
    "day": re.compile(rf"(?<![\d.]){DA_WEEKDAY} \d{{1,2}}\. {DA_MONTH}"),
    "date": re.compile(rf"\b\d{{1,2}}\. {DA_MONTH}"),
    "valid": re.compile(
        rf"Gyldig \d{{1,2}}\. {DA_SHORT_MONTH} kl\. \d\d\.\d\d til \d{{1,2}}\. {DA_SHORT_MONTH} kl\. \d\d\.\d\d"
    ),
}
EN = {
    "span": re.compile(rf"{EN_WEEKDAY} \d{{1,2}} {EN_MONTH}, \d\d:\d\d–\d\d:\d\d"),
    "day": re.compile(rf"{EN_WEEKDAY} \d{{1,2}} {EN_MONTH}"),
    "date": re.compile(rf"\b\d{{1,2}} {EN_MONTH}"),
    "valid": re.compile(rf"Valid \d{{1,2}} {EN_SHORT_MONTH}, \d\d:\d\d until \d{{1,2}} {EN_SHORT_MONTH}, \d\d:\d\d"),
}

# What a careless page would say: American dates, a 12-hour clock, a doubled "den", "1 timer".
NEVER = [
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    re.compile(r"\d\s?(AM|PM)\b"),
    re.compile(rf"\bden {DA_WEEKDAY}", re.I),
    re.compile(r"\b1 (timer|gange|dage|minutter|personer|pladser|måneder|uger|enheder|rækker|koder)\b"),
    re.compile(r"\b1 (hours|times|days|minutes|people|places|months|weeks|devices|rows|codes)\b"),
    re.compile(rf"{EN_MONTH} \d{{1,2}}, \d{{4}}"),  # "December 6, 2026"
]


def main_text(ui) -> str:
    return ui.page.locator("main").inner_text()


def read(ui, path: str) -> str:
    """Visit a page (axe-checked), and fail on any careless date or count on it."""
    ui.visit(path)
    text = main_text(ui)
    for pattern in NEVER:
        found = pattern.search(text)
        assert not found, f"{path} says {found.group(0)!r}"
    return text


def first_link(ui, path: str, prefix: str) -> str:
    read(ui, path)
    href = ui.page.locator(f'main a[href^="{prefix}"]').first.get_attribute("href")
    assert href, f"no link to {prefix}… on {path}"
    return href


def test_a_young_persons_dates_in_danish_and_english(ui):
    ui.log_in("ung@example.org")
    booking = first_link(ui, "/my/bookings", "/bookings/")
    voucher = first_link(ui, "/klip/vouchers", "/klip/vouchers/")
    for language, expected in (("da", DA), ("en", EN)):
        ui.visit(f"/?lang={language}")
        assert ui.lang() == language
        assert expected["span"].search(read(ui, booking)), f"no event time like {expected['span'].pattern}"
        assert expected["day"].search(read(ui, "/events")), "no day heading like 'onsdag 9. december'"
        assert expected["date"].search(read(ui, voucher)), "the voucher page names no day it was bought"
        assert expected["valid"].search(read(ui, "/wallet")), "the wallet's codes say no time they are valid"


def test_staff_see_hours_and_places_counted_in_both_languages(ui):
    ui.log_in("personale@example.org")
    for language, one, two, places in (
        ("da", "1 time", "2 timer", re.compile(r"\d+ af (1 plads|\d+ pladser) taget")),
        ("en", "1 hour", "2 hours", re.compile(r"\d+ of (1 place|\d+ places) taken")),
    ):
        ui.visit(f"/?lang={language}")
        read(ui, "/staff/messages")
        options = ui.page.locator("select[name=hours] option").all_inner_texts()
        assert one in options and two in options, options
        assert places.search(read(ui, "/staff/events"))
