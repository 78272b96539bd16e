"""The Progressive Web App: service worker, manifest, installability, and working offline."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import poll

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

# Installability errors that only say the browser is headless or the profile is a throwaway
# one (Playwright's contexts are incognito-like); they are not about the app.
BROWSER_ONLY_ERRORS = {"in-incognito", "in-headless-mode", "not-from-secure-origin-headless"}


def wait_for_controller(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)


def test_service_worker_and_manifest_make_the_app_installable(ui):
    """The service worker registers and controls the page after a reload; the manifest is
    valid JSON with 192 px and 512 px icons and a maskable one; Chromium reports no
    installability error."""
    page = ui.page
    ui.visit("/")

    state = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            return {scope: registration.scope, state: registration.active && registration.active.state,
                    script: registration.active && registration.active.scriptURL};
        }"""
    )
    assert state["scope"] == ui.url("/"), state
    assert state["script"] == ui.url("/sw.js"), state
    poll(page, "navigator.serviceWorker.ready.then(r => r.active.state)", lambda s: s == "activated", "worker state")

    page.reload()
    ui.check()
    wait_for_controller(page)
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL") == ui.url("/sw.js")

    # The offline page, in both languages, and the shell are cached on install.
    cached = page.evaluate(
        """async () => {
            const pages = {};
            for (const lang of ['da', 'en']) {
                const offline = await caches.match('/offline?lang=' + lang);
                pages[lang] = offline ? await offline.text() : null;
            }
            return pages;
        }"""
    )
    assert cached["da"] and 'id="offline"' in cached["da"] and '<html lang="da">' in cached["da"]
    assert cached["en"] and 'id="offline"' in cached["en"] and '<html lang="en">' in cached["en"]

    # The manifest.
    link = page.locator("link[rel=manifest]")
    assert link.get_attribute("href") == "/manifest.webmanifest"
    response = page.request.get(ui.url("/manifest.webmanifest"))
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text())
    assert manifest["name"] and manifest["short_name"]
    assert manifest["display"] in ("standalone", "fullscreen", "minimal-ui")
    assert manifest["start_url"].startswith("/")
    icons = manifest["icons"]
    sizes = {size for icon in icons for size in icon["sizes"].split()}
    assert {"192x192", "512x512"} <= sizes, icons
    assert any("maskable" in icon.get("purpose", "").split() for icon in icons), icons
    for icon in icons:
        fetched = page.request.get(ui.url(icon["src"]))
        assert fetched.ok and fetched.headers["content-type"] == icon["type"], icon

    # What Chromium itself thinks.
    cdp = page.context.new_cdp_session(page)
    parsed = cdp.send("Page.getAppManifest")
    assert not parsed.get("errors"), parsed["errors"]
    installability = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    errors = {error["errorId"]: error for error in installability}
    browser_only = sorted(set(errors) & BROWSER_ONLY_ERRORS)
    if browser_only:
        print(f"Installability errors that are about the test browser, not the app: {browser_only}")
    app_errors = [error for key, error in errors.items() if key not in BROWSER_ONLY_ERRORS]
    assert not app_errors, f"Chromium says the app is not installable: {app_errors}"


def test_offline_shows_the_offline_page_and_recovers(browse, own_server, danish):
    """A logged-in young person whose server goes away (killed) sees the offline page, in
    Danish, when they tap a tab or open a page; when the server is back, "Try again" brings
    them home, still logged in. The same holds when the phone itself goes offline."""
    ui = browse(server=own_server)
    page = ui.page
    ui.log_in("mads@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Mads")
    wait_for_controller(page)

    ui.visit("/me")
    wait_for_controller(page)

    own_server.kill()

    # Tapping a tab: htmx cannot reach the server, app.js loads the page fully, the service
    # worker answers with the offline page.
    page.get_by_role("navigation", name=danish("Main menu")).get_by_role("link", name=danish("Home")).click()
    expect(page.locator("#offline")).to_be_visible()
    ui.check()
    assert ui.lang() == "da"
    expect(page.locator("#offline h1")).to_have_text(danish("You are offline"))
    expect(page.locator("#offline a[href='tel:112']")).to_be_visible()

    # Opening a logged-in page directly.
    page.goto(ui.url("/me"))
    expect(page.locator("#offline")).to_be_visible()
    ui.check()

    # Back online: "Try again" goes home, and the login survived.
    own_server.start()
    page.locator("#offline").get_by_role("link", name=danish("Try again")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Mads")
    ui.settled()
    ui.check()

    # Second variant: the phone goes offline (Playwright's network emulation).
    page.context.set_offline(True)
    try:
        page.goto(ui.url("/me"))
        expect(page.locator("#offline")).to_be_visible()
        ui.check()
    finally:
        page.context.set_offline(False)


def test_offline_page_speaks_the_persons_language(browse, own_server):
    """Someone who chose English and loses the connection gets the offline page in English
    (lang="en"), not in Danish."""
    ui = browse(server=own_server)
    page = ui.page
    ui.log_in("mads@example.org")
    # The worker learns the language from the answers it passes on: once it controls the page
    # (on a slow machine that can be after the first clicks), not before.
    wait_for_controller(page)
    page.locator("footer").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    ui.settled()
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi Mads")
    # The worker keeps the language it last saw in its cache; on a busy phone that write can
    # come a moment after the page has changed.
    page.wait_for_function(
        """async () => {
            const kept = await caches.match("/offline-language");
            return kept !== undefined && (await kept.text()) === "en";
        }""",
        timeout=10_000,
    )

    own_server.kill()
    page.goto(ui.url("/me"))
    expect(page.locator("#offline")).to_be_visible()
    ui.check()
    expect(page.locator("#offline h1")).to_have_text("You are offline")
    assert ui.lang() == "en"
