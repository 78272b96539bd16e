"""A message written with no connection, on a phone: Sara writes in a thread (or starts a new
conversation) while offline, sees it "waiting to send" and kept in IndexedDB, and once she is
online it is sent, exactly once, by the page (the `online` event or her next visit) or by the
service worker on Background Sync (driven through DevTools, as headless Chromium does not fire
`sync` by itself), or by both at once.

The server's database is read directly to count the messages. Everything here writes, so each
test runs on a server of its own (`own_server`).
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.browser.conftest import poll

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

SARA = "ung@example.org"

DRAFTS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("ungehub-drafts");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  if (!db.objectStoreNames.contains("drafts")) { db.close(); return []; }
  const all = await new Promise((resolve) => {
    const request = db.transaction("drafts").objectStore("drafts").getAll();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return all.map((d) => ({ body: d.body, key: d.key, state: d.state, page: d.page }));
}"""


def messages_with(server, body: str) -> int:
    with sqlite3.connect(server.database) as db:
        return db.execute("SELECT count(*) FROM message WHERE body = ?", (body,)).fetchone()[0]


def worker_ready(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def open_a_thread(sara) -> str:
    sara.visit("/messages")
    href = sara.page.locator("ul.msg-list a").first.get_attribute("href")
    sara.visit(href)
    worker_ready(sara.page)
    return href


def write_offline(sara, form_selector: str, body: str) -> None:
    """Offline, write and press Send: the draft is shown as waiting, and kept on the phone."""
    page = sara.page
    page.context.set_offline(True)
    form = page.locator(form_selector)
    form.locator("textarea[name=body]").fill(body)
    form.locator("button[type=submit]").click()
    draft = page.locator("#drafts [data-draft-key]")
    expect(draft).to_have_count(1)
    expect(draft).to_have_attribute("data-state", "waiting")
    expect(draft).to_contain_text(body)
    expect(draft.locator("[data-show=waiting]").first).to_be_visible()
    expect(form.locator("textarea[name=body]")).to_have_value("")  # ready for the next one
    kept = page.evaluate(DRAFTS)
    assert [(d["body"], d["state"]) for d in kept] == [(body, "waiting")]
    assert len(kept[0]["key"]) >= 16
    sara.check()


class Worker:
    """The page's service worker, through DevTools: fires Background Sync as the browser would."""

    def __init__(self, ui):
        self.origin = ui.server.url
        self.cdp = ui.page.context.new_cdp_session(ui.page)
        self.registrations: dict[str, str] = {}
        self.cdp.on("ServiceWorker.workerRegistrationUpdated", self._updated)
        self.cdp.send("ServiceWorker.enable")
        poll(ui.page, "() => true", lambda _: self.origin + "/" in self.registrations, "no worker registration")
        self.registration_id = self.registrations[self.origin + "/"]

    def _updated(self, event) -> None:
        for registration in event["registrations"]:
            if not registration["isDeleted"]:
                self.registrations[registration["scopeURL"]] = registration["registrationId"]

    def sync(self) -> None:
        self.cdp.send(
            "ServiceWorker.dispatchSyncEvent",
            {"origin": self.origin, "registrationId": self.registration_id, "tag": "send-drafts", "lastChance": False},
        )


def test_a_reply_written_offline_is_sent_once_when_she_is_online(browse, own_server):
    body = "Skrevet uden net i bussen: kan vi mødes på torsdag?"
    sara = browse(server=own_server)
    sara.visit("/?lang=en")
    sara.log_in(SARA)
    open_a_thread(sara)
    page = sara.page

    write_offline(sara, "form#reply", body)
    expect(page.locator("#drafts")).to_contain_text("Waiting to send")
    expect(page.locator("#drafts")).to_contain_text("Not sent yet: we will send it when you are online.")
    assert messages_with(own_server, body) == 0

    page.context.set_offline(False)  # the page hears `online` and sends it (the worker may, too)
    expect(page.locator("#thread-live")).to_contain_text(body, timeout=15_000)
    expect(page.locator("#drafts [data-draft-key]")).to_have_count(0)
    expect(page.locator("#thread-live .msg", has_text=body)).to_have_count(1)
    poll(page, DRAFTS, lambda kept: kept == [], "the sent draft is still kept")
    assert messages_with(own_server, body) == 1
    sara.check()


def test_the_service_worker_sends_a_new_conversation_on_background_sync(browse, own_server):
    body = "Jeg har brug for hjælp til at søge bolig, skrevet offline."
    sara = browse(server=own_server)
    sara.log_in(SARA)
    sara.visit("/messages/new")
    worker_ready(sara.page)
    worker = Worker(sara)
    sara.page.locator("form#new-message input[name=topic][value=housing]").check()
    write_offline(sara, "form#new-message", body)

    # No page of ours is open: only the worker can send it.
    sara.page.goto("about:blank")
    sara.page.context.set_offline(False)
    worker.sync()
    poll(sara.page, "() => true", lambda _: messages_with(own_server, body) == 1, "the worker did not send it")

    sara.visit("/messages")
    expect(sara.page.locator("ul.msg-list")).to_contain_text(body[:40])
    expect(sara.page.locator("#drafts")).to_be_hidden()
    assert sara.page.evaluate(DRAFTS) == []
    assert messages_with(own_server, body) == 1


def test_the_page_and_the_worker_sending_at_the_same_moment_make_one_message(browse, own_server):
    """The worker (Background Sync) and the page (her next visit) both send the waiting draft;
    both POSTs are held until both have started, then let go together: the client key makes
    them one message."""
    body = "Sendt af to på én gang, men kun én gang."
    sara = browse(server=own_server)
    sara.log_in(SARA)
    thread = open_a_thread(sara)
    worker = Worker(sara)
    write_offline(sara, "form#reply", body)

    context = sara.page.context
    held = []
    context.route("**/messages/*/reply", lambda route: held.append(route))
    sara.page.goto("about:blank")
    context.set_offline(False)
    worker.sync()
    sara.page.goto(sara.url("/messages/new"), wait_until="commit")  # the page sends on load

    def both(_):
        senders = {route.request.service_worker is not None for route in held}
        return senders == {True, False}

    poll(sara.page, "() => true", both, "the page and the worker did not both send")
    for route in held:
        route.continue_()
    poll(sara.page, DRAFTS, lambda kept: kept == [], "the draft is still kept")
    poll(sara.page, "() => true", lambda _: messages_with(own_server, body) >= 1, "it was not sent")
    sara.check()
    assert messages_with(own_server, body) == 1
    context.unroute("**/messages/*/reply")
    sara.visit(thread)
    expect(sara.page.locator("#thread-live .msg", has_text=body)).to_have_count(1)


DATABASES = "async () => (await indexedDB.databases()).map((d) => d.name)"


def test_a_refused_draft_says_why_a_logged_out_one_waits_and_logging_out_removes_them(browse, own_server):
    body = "Hej, jeg skriver uden at vælge emne."
    sara = browse(server=own_server)
    sara.visit("/?lang=en")
    sara.log_in(SARA)
    sara.visit("/messages/new")
    worker_ready(sara.page)
    page, context = sara.page, sara.page.context
    draft = page.locator("#drafts [data-draft-key]")

    # Refused (no topic chosen): failed, in the server's words, and she can write it again.
    write_offline(sara, "form#new-message", body)
    context.set_offline(False)
    expect(draft).to_have_attribute("data-state", "failed")
    expect(draft.locator("[data-draft-error]")).to_have_text("Choose what it is about.")
    sara.check()
    draft.locator("[data-draft-action=edit]").click()
    expect(page.locator("form#new-message textarea[name=body]")).to_have_value(body)
    expect(draft).to_have_count(0)
    assert page.evaluate(DRAFTS) == []

    # Logged out meanwhile: kept, "Log in to send"; sent once she is logged in again.
    page.locator("form#new-message input[name=topic][value=housing]").check()
    write_offline(sara, "form#new-message", body)
    context.clear_cookies()
    context.set_offline(False)
    expect(draft).to_have_attribute("data-state", "login")
    expect(draft).to_contain_text("Log in to send")
    sara.check()
    assert messages_with(own_server, body) == 0
    sara.log_in(SARA)
    poll(page, "() => true", lambda _: messages_with(own_server, body) == 1, "not sent after logging in")
    poll(page, DRAFTS, lambda kept: kept == [], "the sent draft is still kept")

    # Waiting when she logs out: gone from the phone.
    sara.visit("/messages/new")
    page.locator("form#new-message input[name=topic][value=money]").check()
    write_offline(sara, "form#new-message", "Dette skal aldrig sendes.")
    context.route(
        "**/messages/new", lambda route: route.abort() if route.request.method == "POST" else route.fallback()
    )
    context.set_offline(False)
    sara.visit("/me")
    assert [d["state"] for d in page.evaluate(DRAFTS)] == ["waiting"]
    page.locator("form[action='/logout'] button[type=submit]").click()
    page.wait_for_url(lambda url: "/me" not in url)
    sara.check()
    poll(page, DATABASES, lambda names: "ungehub-drafts" not in names, "the drafts outlived the login")
    assert messages_with(own_server, "Dette skal aldrig sendes.") == 0


def test_someone_else_logging_in_on_the_phone_never_sees_or_sends_the_drafts(browse, own_server):
    """A shared phone: Sara's login ends without a logout (it timed out), and Mads logs in."""
    body = "Sara's tanker om bolig, kun til hubben."
    sara = browse(server=own_server)
    sara.visit("/?lang=en")
    sara.log_in(SARA)
    sara.visit("/messages/new")
    worker_ready(sara.page)
    page, context = sara.page, sara.page.context
    page.locator("form#new-message input[name=topic][value=housing]").check()
    write_offline(sara, "form#new-message", body)
    context.clear_cookies()
    context.set_offline(False)
    expect(page.locator("#drafts [data-draft-key]")).to_have_attribute("data-state", "login")

    sara.log_in("mads@example.org")
    sara.visit("/messages")
    poll(page, DRAFTS, lambda kept: kept == [], "Mads's phone still holds Sara's draft")
    expect(page.locator("#drafts [data-draft-key]")).to_have_count(0)
    assert messages_with(own_server, body) == 0
