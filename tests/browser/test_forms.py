"""Forms in a real browser: after a submit, the address bar and the screen agree, and errors are
in view.

A failed submit keeps the address of the form's page and shows GOV.UK's error summary at the top
of the form, focused and inside the phone's screen, with a link to each field in error. A
successful one shows the address of the page it shows, a refresh does not send the form again,
and back goes to the page before. A file as the answer downloads, and the page stays.

The property is checked for every form each role reaches: tests/browser/forms_walk.py follows
the role's links from home (one page per route pattern) and lists the POST forms, one per action
pattern; each is submitted as it is, in a tab of its own, on a server of the role's own (forms
change things). Only forms that would end the walk itself are left out, by name (NOT_SUBMITTED).
"Page shown" is `<main data-page>`: the address of the GET that drew it (templates/base.html).
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from tests.browser.forms_walk import Form, walk

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None
    PlaywrightError = Exception

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}

SUMMARY_STATE = """() => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return null;
  const box = summary.getBoundingClientRect();
  return {
    focused: document.activeElement === summary,
    top: box.top, bottom: box.bottom, height: window.innerHeight,
    title: summary.querySelector("h2").textContent.trim(),
    links: [...summary.querySelectorAll("a")].map((a) => [a.getAttribute("href"), a.textContent.trim()]),
  };
}"""


def summary_state(page) -> dict | None:
    """The error summary as the person sees it: focused?, where on the screen, its title and links."""
    return page.evaluate(SUMMARY_STATE)


def assert_summary_in_view(page, what: str) -> dict:
    """The error summary is there, has the focus and is wholly inside the screen."""
    page.wait_for_function("() => document.activeElement?.matches('[data-error-summary]')", timeout=5000)
    page.wait_for_timeout(50)  # htmx's own scroll to the top comes after its settle handlers
    state = summary_state(page)
    assert state, f"{what}: no error summary"
    assert state["focused"], f"{what}: the error summary does not have the focus"
    assert 0 <= state["top"] and state["bottom"] <= state["height"], (
        f"{what}: the error summary is at {state['top']:.0f}–{state['bottom']:.0f} px, outside the "
        f"{state['height']} px high screen"
    )
    return state


@pytest.mark.parametrize(
    "email,viewport", [("ung@example.org", PHONE), ("amina@example.org", SMALL_PHONE)], ids=["390px", "360px"]
)
def test_asking_to_be_deleted_without_ticking_shows_the_problem_at_once(browse, own_server, danish, email, viewport):
    """A young person asks to have their account deleted without ticking "I understand" (the
    issue's case: the summary sat 1,257 px down a 390 x 844 phone, out of sight). The page keeps
    its address, and the summary, far down the page, is focused and wholly on screen, in Danish
    and then in English; its link takes them to the tick box with its label in view."""
    ui = browse(server=own_server, viewport=viewport)
    page = ui.page
    ui.log_in(email)
    ui.visit("/me")
    for language in ("da", "en"):
        text = danish if language == "da" else (lambda message: message)
        ui.visit("/me/data")
        assert ui.lang() == language
        form_page = page.url
        with page.expect_response(lambda r: r.request.method == "POST" and "/me/data/delete" in r.url) as answer:
            page.get_by_role("button", name=text("Ask to have my account deleted")).click()
        assert answer.value.status == 422
        state = assert_summary_in_view(page, f"the deletion request ({language})")
        ui.check()
        assert page.url == form_page, "a failed submit keeps the address of the form's page"
        assert state["top"] + page.evaluate("window.scrollY") > viewport["height"], "below the first screen"
        assert state["title"] == text("There is a problem")
        assert state["links"] == [["#sure", text("Tick the box if you are sure.")]]

        page.locator("[data-error-summary] a").click()
        expect(page.locator("#sure")).to_be_focused()
        label = page.locator("label[for=sure]").bounding_box()
        assert 0 <= label["y"] and label["y"] + label["height"] <= viewport["height"], "the tick box's label is in view"
        assert page.url == form_page

        page.go_back()  # back leaves the data page for the one before it: no entry for the failed POST
        page.wait_for_url(lambda url: url.endswith("/me"))
        ui.settled()
        ui.check()
        if language == "da":  # on to English, with the switch in the footer
            page.locator("footer button[name=lang][value=en]").click()
            page.wait_for_function("() => document.documentElement.lang === 'en'")
            ui.settled()
            ui.check()


# --------------------------------------------------------------------------------------
# The property, for every form each role can reach
# --------------------------------------------------------------------------------------

# Each role, and whose run already submits the forms it shares with another (the same routes,
# so the same answers): an admin reaches every staff form, a caseworker a mentor's.
ROLES = [
    ("young", "ung@example.org", None),
    ("staff", "personale@example.org", None),
    ("mentor", "mentor@example.org", None),
    ("support person", "sagsbehandler@example.org", "mentor@example.org"),
    ("partner", "bloc@example.org", None),
    ("admin", "admin@example.org", "personale@example.org"),
]
# The forms every account has, submitted in the young person's run only (it must find them all).
EVERY_ACCOUNT = {
    "POST /language",
    "POST /me/password",
    "POST /me/profile",
    "POST /me/two-factor/app",
    "POST /notifications/settings",
    "POST /me/data/delete",
}

# Forms not submitted, by action pattern, and why: what they do would end the walk itself.
NOT_SUBMITTED = {
    "POST /logout": "ends the session",
    "POST /wallet/forget": "ends the session and empties the phone",
    "POST /me/sessions/<id>/end": "the first login listed is this phone's own: ending it logs out",
}

# Watches the submit's own htmx request: "leaving" when htmx hands over to a full page load
# (HX-Redirect), "settled" once its answer is swapped in (or, for 204, needs no swap). A full
# page load (a plain form, or the HX-Redirect) starts a document without the mark.
WATCH = """() => {
  window.formWalk = "sent";
  if (window.formWalkListening) return;
  window.formWalkListening = true;
  const ours = (event) => event.detail.requestConfig && event.detail.requestConfig.verb !== "get";
  document.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    if (!ours(event) || !xhr) return;
    if (xhr.getResponseHeader("HX-Redirect")) window.formWalk = "leaving";
    else if (xhr.status === 204) window.formWalk = "settled";
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    if (ours(event) && window.formWalk === "sent") window.formWalk = "settled";
  });
}"""
DONE = """() => document.readyState === "complete"
  && (window.formWalk === undefined || window.formWalk === "settled")"""

# A person submits the form as it is: closed <details> around it opened, and the browser's own
# checks off, so the server's answer is what is tested (a browser without them, or a space typed).
PREPARE = """(form) => {
  for (let open = form.closest("details"); open; open = open.parentElement.closest("details")) open.open = true;
  form.noValidate = true;
}"""

SHOWN = """() => ({
  path: location.pathname + location.search,
  page: document.querySelector("main")?.dataset.page ?? null,
  error_page: document.getElementById("error") !== null,
})"""

LINK_TARGETS = """() => [...document.querySelectorAll("[data-error-summary] a")].map((link) => {
  const target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
  const control = target && (target.matches("input, select, textarea")
    ? target : target.querySelector("input:not([type=hidden]), select, textarea"));
  return { href: link.getAttribute("href"), control: control ? control.id || control.name : null };
})"""


def path_of(url: str) -> str:
    split = urlsplit(url)
    return split.path + (f"?{split.query}" if split.query else "")


# The first form on the page that posts to a path of the pattern (an earlier form may have removed
# the very one found, a goal deleted, while another of its kind is still there).
SUBMIT = "button[type=submit]:not([disabled]), button:not([type]):not([disabled]), input[type=submit]:not([disabled])"
FIND = """([regex, submit]) => {
  const pattern = new RegExp(regex);
  const posts = [...document.querySelectorAll("form")].filter((form) => {
    const written = form.getAttribute("hx-post") ?? (form.method === "post" ? form.getAttribute("action") ?? "" : null);
    return written !== null && pattern.test(new URL(written, location.href).pathname) && form.querySelector(submit);
  });
  document.querySelectorAll("[data-form-walk]").forEach((form) => form.removeAttribute("data-form-walk"));
  if (posts.length) posts[0].setAttribute("data-form-walk", "");
  return posts.length > 0;
}"""
# Forms that end or remove something go last, so the forms that need it find it first.
ENDS_SOMETHING = re.compile(r"/(delete|end|end-others|leave|withdraw|remove|cancel|disable)$")


def submit_as_it_is(tab, form: Form):
    """Show the form's page, submit the form untouched; the answer to the POST, or None when no
    form of its kind is on the page any more."""
    page = tab.page
    tab.visit(form.page)
    if not page.evaluate(FIND, [form.regex, SUBMIT]):
        return None, []
    target = page.locator("form[data-form-walk]")
    target.evaluate(PREPARE)
    page.evaluate(WATCH)
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    posted = re.compile(form.regex)
    with page.expect_response(
        lambda r: r.request.method == "POST" and posted.match(urlsplit(r.url).path), timeout=10_000
    ) as answer:
        button = target.locator(SUBMIT).first
        # Where a thumb would tap it: mid-screen, clear of the fixed menu row at the bottom.
        button.evaluate("(button) => button.scrollIntoView({ block: 'center' })")
        button.click()
    deadline = time.monotonic() + 10
    while not downloads:
        try:
            if page.evaluate(DONE):
                break
        except PlaywrightError:  # between two documents
            pass
        assert time.monotonic() < deadline, "the answer to the form was never shown"
        page.wait_for_timeout(25)
    if not downloads:
        tab.settled()
    return answer.value, downloads


def check_downloaded(tab, form: Form, download) -> str:
    """A file as the answer: it arrives as a download, and the page stays as it was."""
    shown = tab.page.evaluate(SHOWN)
    assert shown["path"] == form.page, f"the address changed to {shown['path']} for a download"
    assert shown["page"] == form.page, f"the page changed to {shown['page']} for a download"
    assert download.suggested_filename, "the file has no name"
    return f"a download, {download.suggested_filename}"


def check_failed(tab, form: Form, status: int) -> str:
    """A failed submit: the address is the form page's, and the problem is on screen and focused."""
    page = tab.page
    shown = page.evaluate(SHOWN)
    assert shown["path"] == form.page, f"the address changed to {shown['path']}"
    assert not shown["error_page"], f"{status}: an error page, not the form again with what to fix"
    state = assert_summary_in_view(page, form.key)
    tab.check()
    targets = page.evaluate(LINK_TARGETS)
    assert targets == [] or all(t["control"] for t in targets), f"summary links without a field: {targets}"
    if targets:
        page.locator("[data-error-summary] a").first.click()
        focused = page.evaluate("() => document.activeElement.id || document.activeElement.name")
        assert focused == targets[0]["control"], f"the first link focused {focused!r}, not {targets[0]}"
    return f"{status}, {len(state['links'])} field(s) linked"


def check_succeeded(tab, form: Form, status: int) -> str:
    """A successful submit: the address is the page shown, a refresh GETs it, back goes back."""
    page = tab.page
    shown = page.evaluate(SHOWN)
    assert shown["page"] is not None, (
        f"the page shown at {shown['path']} was drawn by the POST itself: a refresh cannot show it again"
    )
    assert shown["path"] == shown["page"], f"the address says {shown['path']} but the page shown is {shown['page']}"
    assert not shown["error_page"], f"the form's answer led to an error page at {shown['path']}"
    landed = shown["path"]

    sent: list[tuple[str, str]] = []
    listener = lambda request: sent.append((request.method, request.resource_type))  # noqa: E731
    page.on("request", listener)
    reloaded = page.reload()
    tab.check()  # axe on the page the form led to (as the refresh shows it: the same, less its flash)
    page.remove_listener("request", listener)
    assert reloaded is not None and reloaded.request.method == "GET", "a refresh sends the form again"
    assert not [method for method, _ in sent if method != "GET"], f"a refresh sent {sent}"
    assert reloaded.status < 400, f"a refresh of {landed} answers {reloaded.status}"
    assert page.evaluate(SHOWN)["page"] == landed, "a refresh shows another page"

    page.go_back()
    page.wait_for_load_state("load")
    back = path_of(page.url) if page.url != "about:blank" else "about:blank"
    # Back leaves what the form showed: to the form's page, or, when the form showed its own page
    # again, to the page before it (here a new tab's blank page), never to the same page twice.
    expected = {form.page} if landed != form.page else {"about:blank"}
    assert back in expected, f"back went to {back}, not {' or '.join(sorted(expected))}"
    if back != "about:blank":  # the form's page, checked by axe when the tab first showed it
        tab.settled()
        assert page.evaluate(SHOWN)["page"] == back, "back shows another page than its address"
    return f"{status}, then {landed}"


@pytest.mark.parametrize("role,email,known_from", ROLES, ids=[role for role, *_ in ROLES])
def test_every_form_keeps_the_address_and_the_screen_in_step(browse, own_server, role, email, known_from):
    """Every form the role can reach (found by following links from home), submitted as it is:
    a failure keeps the form page's address with the problem focused on screen (the summary's
    links each leading to a field); a success shows the address of the page it shows, a
    refresh sends nothing again, and back goes back. On a server of its own: forms change things."""
    ui = browse(server=own_server)
    ui.log_in(email)
    found = walk(ui.page.context, own_server.url)
    assert found.forms, f"no forms found for {role} on {sorted(found.pages)}"
    if role == "young":
        missing = EVERY_ACCOUNT - set(found.forms)
        assert not missing, f"forms every account has that the young person does not: {missing}"
    covered = set(NOT_SUBMITTED) | (EVERY_ACCOUNT if role != "young" else set())
    if known_from:  # walked (not submitted) as that person, on this server too
        other = browse(server=own_server)
        other.log_in(known_from)
        covered |= set(walk(other.page.context, own_server.url).forms)
    forms = sorted(
        (form for key, form in found.forms.items() if key not in covered),
        key=lambda form: (bool(ENDS_SOMETHING.search(form.key)), form.key),
    )
    problems, outcomes = [], []
    started = time.monotonic()
    for form in forms:
        tab = ui.new_tab()
        try:
            answer, downloads = submit_as_it_is(tab, form)
            if answer is None:  # gone from its page: find one of its kind anywhere
                elsewhere = walk(ui.page.context, own_server.url).forms.get(form.key)
                assert elsewhere, "no form of its kind is left after the forms before it: submit it earlier"
                form = elsewhere
                answer, downloads = submit_as_it_is(tab, form)
                assert answer is not None, f"not found again on {form.page}"
            status = answer.status
            if downloads:
                outcomes.append(f"{form.key} on {form.page}: {check_downloaded(tab, form, downloads[0])}")
            elif status >= 400:
                outcomes.append(f"{form.key} on {form.page}: {check_failed(tab, form, status)}")
            else:
                outcomes.append(f"{form.key} on {form.page}: {check_succeeded(tab, form, status)}")
        except (AssertionError, PlaywrightError) as error:
            problems.append(f"{form.key} on {form.page}: {str(error).splitlines()[0]}")
        finally:
            logged_out = urlsplit(tab.page.url).path == "/login"
            tab.page.close()
        if logged_out:  # every form after it would only meet the login page
            problems.append(f"{form.key} on {form.page} logged {role} out: list it in NOT_SUBMITTED, or fix it")
            break
    took = time.monotonic() - started
    print(f"\n{role}: {len(found.pages)} pages, {len(forms)} forms in {took:.0f} s\n  " + "\n  ".join(outcomes))
    assert not problems, f"{len(problems)} of {len(forms)} forms for {role}:\n  " + "\n  ".join(problems)
