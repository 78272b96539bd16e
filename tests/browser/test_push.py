"""Push in a real browser on a phone: a push reaches the service worker and shows a
notification (a newer one with the same tag replaces it), while the bell keeps what the
server recorded; the settings page knows this phone; the offer after booking asks only a
phone that has not been asked.

Headless Chromium cannot reach a push service, so the push is handed to the service worker
by the DevTools protocol (`ServiceWorker.deliverPushMessage`), as a push service would.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import poll

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

SARA = "ung@example.org"
BOOKING = re.compile(r"/bookings/\d+$")
CV_WORKSHOP = "Jobsøgning: dit første CV"
SHOWN = """navigator.serviceWorker.ready
    .then(r => r.getNotifications())
    .then(ns => ns.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data})))"""


def wait_for_active_worker(page) -> None:
    poll(
        page,
        "navigator.serviceWorker.ready.then(r => r.active.state)",
        lambda state: state == "activated",
        "the service worker is not activated",
    )


def record_notification(server, email: str, **fields) -> None:
    """What an event in the app does: a notification row for the person, on the server's database."""
    from sqlmodel import select

    from hub import create_app
    from hub.accounts.models import User
    from hub.db import job_session
    from hub.notifications.services import notify
    from tests.conftest import app_config

    app = create_app(app_config(f"sqlite:///{server.database}", server.database.parent))
    try:
        with app.app_context(), job_session() as session:
            user = session.exec(select(User).where(User.email == email)).one()
            notify(session, user, **fields)
    finally:
        app.extensions["hub_engine"].dispose()


class PushService:
    """Hands pushes to the page's service worker through DevTools, as a push service would."""

    def __init__(self, ui):
        self.origin = ui.server.url
        self.cdp = ui.page.context.new_cdp_session(ui.page)
        self.registrations: dict[str, str] = {}  # scope URL -> registration id
        self.cdp.on("ServiceWorker.workerRegistrationUpdated", self._updated)
        self.cdp.send("ServiceWorker.enable")  # reports the registrations there are already
        self.registration_id = self._wait_for_scope(ui, self.origin + "/")

    def _updated(self, event) -> None:
        for registration in event["registrations"]:
            if registration["isDeleted"]:
                self.registrations.pop(registration["scopeURL"], None)
            else:
                self.registrations[registration["scopeURL"]] = registration["registrationId"]

    def _wait_for_scope(self, ui, scope: str) -> str:
        for _ in range(50):
            if scope in self.registrations:
                return self.registrations[scope]
            ui.page.wait_for_timeout(20)
        pytest.fail(f"DevTools reported no service worker registration for {scope}: {self.registrations}")

    def push(self, payload: dict) -> None:
        self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": self.origin, "registrationId": self.registration_id, "data": json.dumps(payload)},
        )


def wait_for_shown(page, title: str) -> list[dict]:
    """The notifications the worker shows, once one with this title is among them."""
    return poll(page, SHOWN, lambda shown: any(n["title"] == title for n in shown), f"no notification {title!r}")


def bell_badge(page) -> int:
    badge = page.locator("header a.bell .nav-badge")
    if badge.count() == 0:
        return 0
    return int(re.match(r"\d+", badge.inner_text().strip()).group())


def test_a_push_shows_a_notification_and_the_bell_keeps_it(browse, own_server):
    """Sara allowed notifications; a push to her phone shows one with its title, body, tag and
    the page to open; a newer push with the same tag replaces it. What the server recorded for
    her is counted on the bell and listed behind it."""
    ui = browse(server=own_server)
    page = ui.page
    page.context.grant_permissions(["notifications"], origin=own_server.url)
    ui.log_in(SARA)
    wait_for_active_worker(page)
    assert page.evaluate("Notification.permission") == "granted"
    before = bell_badge(page)

    title, body = "Dit svar fra Louise", "Ja, det kan vi godt. Kom forbi i morgen kl. 14."
    record_notification(own_server, SARA, kind="message_reply", title=title, body=body, url="/messages")

    service = PushService(ui)
    service.push({"title": title, "body": body, "url": "/notifications", "tag": "t1", "id": 1})
    shown = wait_for_shown(page, title)
    assert shown == [{"title": title, "body": body, "tag": "t1", "data": {"url": "/notifications", "id": 1}}]

    newer = "Louise har skrevet igen"
    service.push({"title": newer, "body": "Hvornår passer det dig?", "url": "/messages", "tag": "t1", "id": 2})
    shown = wait_for_shown(page, newer)
    tagged = [n for n in shown if n["tag"] == "t1"]
    assert len(tagged) == 1, f"a push with the same tag should replace the older one: {shown}"
    assert tagged[0]["data"] == {"url": "/messages", "id": 2}

    # The bell counts it before she looks, and lists it when she does.
    ui.visit("/")
    assert bell_badge(page) == before + 1
    page.locator("header a.bell").click()
    page.wait_for_url(ui.url("/notifications"))
    ui.settled()
    ui.check()
    expect(page.locator("header a.bell")).to_have_attribute("aria-current", "page")
    item = page.locator(".bell-item").filter(has_text=title)
    expect(item).to_have_count(1)
    expect(item).to_contain_text(body)
    expect(item).to_have_class(re.compile(r"\bbell-item--new\b"))
    expect(item.locator("a")).to_have_attribute("href", "/messages")


def test_notification_settings_fit_the_phone_and_know_this_phone(ui, danish):
    """From "Me", the notification settings open on the phone without sideways scrolling, and
    the box about this phone stops checking: Chromium can take pushes, none are on, so it
    offers to turn them on."""
    page = ui.page
    ui.log_in(SARA)
    ui.visit("/me")
    page.locator("main a[href='/notifications/settings']").click()
    page.wait_for_url(ui.url("/notifications/settings"))
    ui.settled()
    ui.check()

    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the phone"

    box = page.locator("#this-phone .push-setup")
    expect(box).to_have_attribute("data-state", "off")
    expect(box.locator("[data-push-state=checking]")).to_be_hidden()
    expect(box.locator("[data-push-state=off]")).to_be_visible()
    turn_on = box.locator("button[data-push-action=on]")
    expect(turn_on).to_be_visible()
    expect(turn_on).to_have_text(danish("Turn on notifications"))
    expect(box.locator("button[data-push-action=off]")).to_be_hidden()


def open_a_booking(ui) -> str:
    """Sara books the CV workshop (in 8 days; the demo books nobody on it) and lands on her
    booking, where the offer is made; its path. Booked here, not taken from the demo data, so
    the test does not depend on the hour it runs (the demo's booking today ends at 19:30)."""
    page = ui.page
    ui.visit("/events")
    card = page.locator("article.event-card").filter(has=page.get_by_role("heading", name=CV_WORKSHOP, exact=True))
    card.locator("a.button[href^='/events/']").first.click()
    page.wait_for_url(re.compile(r"/events/\d+$"))
    ui.settled()
    ui.check()
    page.locator("#event-action form[action$='/book'] button[type=submit]").click()
    page.wait_for_url(BOOKING)
    ui.settled()
    ui.check()
    return BOOKING.search(page.url).group()


def test_the_offer_after_booking_asks_only_a_phone_not_yet_asked(browse, own_server):
    """A phone that has not been asked sees the offer on a booking; "No thanks" hides it, also
    on the next booking page. A phone that has allowed notifications is not offered them."""
    ui = browse(server=own_server)
    page = ui.page
    ui.log_in(SARA)
    assert page.evaluate("Notification.permission") == "default"
    booking = open_a_booking(ui)
    offer = page.locator(".push-offer")
    expect(offer).to_be_visible()
    expect(offer).to_have_attribute("data-state", "off")
    offer.locator("button[data-push-action=dismiss]").click()
    expect(offer).to_be_hidden()
    assert page.evaluate("localStorage.getItem('ungehub-push-offer')") == "no"
    page.reload()
    ui.check()
    expect(page.locator(".push-offer")).to_have_attribute("data-state", "off")  # push.js has run
    expect(page.locator(".push-offer")).to_be_hidden()

    allowed = browse(server=own_server)
    allowed.page.context.grant_permissions(["notifications"], origin=allowed.server.url)
    allowed.log_in(SARA)
    allowed.visit(booking)
    offer = allowed.page.locator(".push-offer")
    expect(offer).to_have_attribute("data-state", "off")
    expect(offer).to_be_hidden()
