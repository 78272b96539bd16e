"""Every page each demo role can reach, found by following links, works in the browser.

For each role: log in, then follow every same-site link breadth-first from the home page
(links in the page, the menus and the tab bar), visiting one page per route pattern (ids,
tokens and dates in the path collapsed; one page per set of query keys). Every page visited
must answer < 400, have one <main>, log no console error, throw no uncaught error, break no
Content-Security-Policy rule, have no serious or critical axe finding, and pass the phone
measures of tests/browser/measure.py (44 px controls, no sideways scrolling, checkboxes
beside their labels, scroll boxes a keyboard can reach), with folded <details> opened too.
Every link that htmx would boost is also requested the way htmx requests it, and must answer
with HTML (or 204 with HX-Redirect, how a download is handed over): anything else would be
swapped into the page as raw bytes.

Links that end the session or change something are never followed (there should be none:
logging out is a POST), nor other sites, mailto:/tel:/sms:, a #fragment of the same page, or
a download ticket; a page that shows someone else (or nobody) stops the crawl with a problem.
New pages are covered without anyone remembering to add them.

The crawl reads pages that mark things as read, so each role runs on a server of its own.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import pytest

from tests.browser.measure import all_problems, open_details

pytestmark = pytest.mark.browser

ROLES = [
    ("young", "ung@example.org"),
    ("staff", "personale@example.org"),
    ("mentor", "mentor@example.org"),
    ("caseworker", "sagsbehandler@example.org"),
    ("network", "traener@example.org"),
    ("partner", "bloc@example.org"),
    ("admin", "admin@example.org"),
]

# Never requested: leaving (a POST anyway, guarded all the same), and download tickets (each
# is good for one download, and handing it over is the point of the 204 answer).
NEVER = re.compile(r"^/(logout|download/)")
MAX_PAGES = 200  # a runaway crawl (a pattern that does not collapse) fails instead of hanging

LINKS = """() => Array.from(document.querySelectorAll("a[href]"), (a) => {
  const raw = a.getAttribute("href");
  const boostedBy = a.closest("[hx-boost], [data-hx-boost]");
  const boost = boostedBy && (boostedBy.getAttribute("hx-boost") ?? boostedBy.getAttribute("data-hx-boost"));
  // htmx's own rule (boostElement): same host, not a bare #fragment, no other target.
  const boosted = boost === "true" && !a.closest("[hx-disable], [data-hx-disable]")
    && a.hostname === location.hostname && !raw.startsWith("#") && (a.target === "" || a.target === "_self");
  return {href: a.href, boosted};
})"""


def route_pattern(url: str) -> str:
    """The route a URL is an instance of: /events/12?week=… -> /events/<id>?week."""
    parts = urlsplit(url)
    path = "/".join(_collapse(segment) for segment in parts.path.split("/"))
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def _collapse(segment: str) -> str:
    stem, dot, extension = segment.partition(".")
    if re.fullmatch(r"\d+", stem):
        stem = "<id>"
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", stem):
        stem = "<date>"
    elif re.fullmatch(r"[0-9a-fA-F]{8,}", stem) or (
        len(stem) >= 16 and re.fullmatch(r"[\w-]+", stem) and re.search(r"\d", stem)
    ):
        stem = "<token>"
    return stem + dot + extension


@dataclass
class Crawl:
    ui: object
    origin: str
    problems: list[str]
    visited: list[str]
    console: list[str]

    def note(self, url: str, what: str) -> None:
        self.problems.append(f"{self.short(url)}: {what}")

    def short(self, url: str) -> str:
        return url.removeprefix(self.origin) or "/"

    # -- one link ------------------------------------------------------------------------

    def fetch(self, url: str, *, boosted: bool, current: str):
        """GET the URL with this person's cookies; as htmx does for a boosted link, or plainly."""
        headers = {}
        if boosted:
            headers = {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": current}
        return self.ui.page.context.request.get(url, headers=headers, fail_on_status_code=False)

    def check_boosted(self, url: str, answer, current: str) -> None:
        if is_page(answer) or answer.status == 204 and answer.headers.get("hx-redirect"):
            return
        kind = answer.headers.get("content-type", "no type")
        effect = "no HX-Redirect, so the tap does nothing" if answer.status == 204 else "htmx swaps it into the page"
        self.note(url, f"a boosted link (on {self.short(current)}) answers htmx with {answer.status} {kind}: {effect}")

    # -- one page ------------------------------------------------------------------------

    @staticmethod
    def measure(page) -> dict[str, list[str]]:
        """The phone measures as the page opens, and again with every <details> opened."""
        found = all_problems(page)
        if open_details(page):
            for what, more in all_problems(page).items():
                found[what] = list(dict.fromkeys(found.get(what, []) + more))
        return found

    def visit(self, url: str) -> list[dict]:
        """Show the page, check it, and give back its links."""
        ui, page = self.ui, self.ui.page
        self.visited.append(url)
        self.console.clear()
        try:
            response = page.goto(url)
        except Exception as error:  # a timeout, a download, a crash: say so, go on
            self.note(url, f"could not be shown: {error}".splitlines()[0])
            ui.unchecked = None
            return []
        if response is None or response.status >= 400:
            self.note(url, f"answers {response.status if response else 'nothing'}")
        mains = page.locator("main").count()
        if mains != 1:
            self.note(url, f"has {mains} <main> elements, not one")
        try:
            ui.check()
        except pytest.fail.Exception as failed:
            self.note(url, str(failed).replace(page.url, "the page"))
        if page.url != url and url in ui.missed:
            ui.missed.remove(url)  # the page took a parameter out of its address (?print=1): checked as shown
        for what, found in self.measure(page).items():
            self.note(url, f"{what}:\n    " + "\n    ".join(found))
        for seen in self.console:
            self.note(url, seen)
        for violation in ui.csp_violations:
            self.note(violation["page"], f"CSP violation: {violation}")
        ui.csp_violations.clear()  # reported here, with the page; not again by the fixture
        return page.evaluate(LINKS)


def crawl(ui, start: str) -> Crawl:
    """Breadth-first from `start`, one page per route pattern: what was visited, what was wrong."""
    page = ui.page
    parts = urlsplit(start)
    origin = f"{parts.scheme}://{parts.netloc}"
    state = Crawl(ui=ui, origin=origin, problems=[], visited=[], console=[])

    def console(message) -> None:
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and message.location.get("url") == page.url:
            return  # the page's own status, reported as such
        state.console.append(f"console error: {message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: state.console.append(f"uncaught error: {error}"))

    seen = {route_pattern(start)}  # patterns queued for a visit
    boost_checked: set[str] = set()  # patterns whose boosted answer has been checked
    queue = [start]
    person = None  # whose pages these are (the body's data-person), from the first one
    while queue:
        url = queue.pop(0)
        if len(state.visited) >= MAX_PAGES:
            state.note(url, f"not visited: the crawl stopped at {MAX_PAGES} pages (do ids collapse into patterns?)")
            break
        links = state.visit(url)
        who = page.evaluate("() => document.body && document.body.getAttribute('data-person')")
        if len(state.visited) == 1:
            person = who
        elif who != person:
            state.note(url, f"shows person {who}, not {person}: the session ended here, so the crawl stops")
            break
        for link in links:
            target = followable(link["href"], origin, current=url)
            if target is None:
                continue
            pattern = route_pattern(target)
            answer = None
            if link["boosted"] and pattern not in boost_checked:
                boost_checked.add(pattern)
                answer = state.fetch(target, boosted=True, current=url)
                state.check_boosted(target, answer, url)
            if pattern in seen:
                continue
            seen.add(pattern)
            if answer is None or not is_page(answer):
                # Not boosted (a download, a print view), or boosted and handed over: look plainly.
                answer = state.fetch(target, boosted=False, current=url)
                if answer.status >= 400:
                    state.note(target, f"answers {answer.status} (linked from {state.short(url)})")
                    continue
                if not is_page(answer):
                    continue  # a file to download: not a page to show
            queue.append(target)
    return state


def is_page(answer) -> bool:
    """An answer with a page in it (a 204 has no body, whatever type it names)."""
    return answer.status != 204 and answer.headers.get("content-type", "").startswith("text/html")


def followable(href: str, origin: str, *, current: str) -> str | None:
    """The URL to follow, without its fragment; None for what is never followed."""
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != origin:
        return None  # another site, mailto:, tel:, sms:, webcal:, javascript:
    if NEVER.match(parts.path):
        return None
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    if parts.fragment and url == current.split("#", 1)[0]:
        return None  # a place on this page
    return url


@pytest.mark.parametrize(("role", "email"), ROLES, ids=[role for role, _ in ROLES])
def test_every_page_a_role_can_reach_works(browse, own_server, role, email):
    """Log in, follow every link breadth-first, and list every problem found on the way."""
    began = time.monotonic()
    ui = browse(server=own_server)
    ui.log_in(email)
    state = crawl(ui, ui.page.url)
    took = time.monotonic() - began
    print(f"\n{role}: {len(state.visited)} pages in {took:.1f} s:", *map(state.short, state.visited), sep="\n  ")
    assert len(state.visited) >= 3, f"{role} reached only {state.visited}: is the home page linked up?"
    if state.problems:
        pytest.fail(
            f"{email} ({role}): {len(state.problems)} problems on {len(state.visited)} pages:\n- "
            + "\n- ".join(state.problems),
            pytrace=False,
        )


# --------------------------------------------------------------------------------------
# The crawler itself: it finds what it is meant to find
# --------------------------------------------------------------------------------------

BROKEN_PAGE = """<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>Broken</title>
<script src="/crawl-self-test.js"></script></head>
<body hx-boost="true" data-person="7">
  <p>A page without its main, an image without a text, an inline script.</p>
  <img src="/static/icons/icon-192.png">
  <script>window.inlineRan = true;</script>
  <a href="/crawl-self-test/missing">a page that is not there</a>
  <a href="#top">the top</a> <a href="mailto:hub@example.org">mail</a> <a href="https://example.org/">away</a>
</body></html>"""


def test_the_crawler_reports_every_kind_of_problem_at_once(ui):
    """A made-up page with one of each problem: the crawl lists them all, each with its URL,
    and follows the link to a missing page (404, and logged out) but not the fragment, mailto:
    or other site."""
    page = ui.page
    page.route(
        "**/crawl-self-test",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": "script-src 'self'"},
            body=BROKEN_PAGE,
        ),
    )
    page.route(
        "**/crawl-self-test.js",
        lambda route: route.fulfill(
            content_type="text/javascript",
            body='console.error("the self-test logs an error"); throw new Error("the self-test throws");',
        ),
    )
    page.route(
        "**/crawl-self-test/missing",
        lambda route: route.fulfill(
            status=404,
            content_type="text/html; charset=utf-8",
            body='<!doctype html><html lang="da"><title>Not here</title><main><h1>Not here</h1></main></html>',
        ),
    )
    state = crawl(ui, ui.url("/crawl-self-test"))
    assert state.visited == [ui.url("/crawl-self-test"), ui.url("/crawl-self-test/missing")]
    found = "\n".join(state.problems)
    for expected in (
        "/crawl-self-test: has 0 <main> elements, not one",
        "/crawl-self-test: Accessibility violations on the page (light scheme):\n- image-alt (critical)",
        "/crawl-self-test: console error: the self-test logs an error",
        "/crawl-self-test: uncaught error: the self-test throws",
        "/crawl-self-test: CSP violation: {'page': ",
        "/crawl-self-test/missing: answers 404",
        "/crawl-self-test/missing: shows person None, not 7: the session ended here, so the crawl stops",
    ):
        assert expected in found, f"{expected!r} is not among the problems found:\n{found}"


class Answer:
    def __init__(self, status: int, headers: dict):
        self.status, self.headers = status, headers


@pytest.mark.parametrize(
    ("status", "headers", "fine"),
    [
        (200, {"content-type": "text/html; charset=utf-8"}, True),
        (204, {"hx-redirect": "/download/abc"}, True),
        (200, {"content-type": "text/csv; charset=utf-8"}, False),
        (200, {"content-type": "application/zip"}, False),
        (204, {}, False),  # nothing to swap, and nothing fetched either: the download is lost
        (204, {"content-type": "text/html; charset=utf-8"}, False),  # Flask's default type for a 204
        (200, {}, False),
    ],
    ids=["html", "handed-over", "csv", "zip", "bare-204", "bare-204-html", "no-type"],
)
def test_a_boosted_link_must_answer_with_a_page_or_hand_the_file_over(status, headers, fine):
    state = Crawl(ui=None, origin="http://hub", problems=[], visited=[], console=[])
    state.check_boosted("http://hub/x.csv", Answer(status, headers), "http://hub/stats")
    assert (state.problems == []) is fine, state.problems


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("http://hub/", "/"),
        ("http://hub/staff/events/12/attendance", "/staff/events/<id>/attendance"),
        ("http://hub/events/7/calendar.ics", "/events/<id>/calendar.ics"),
        ("http://hub/calendar/Zx8r2kQvL0pT4mN1a9bC.ics", "/calendar/<token>.ics"),
        ("http://hub/staff/events/scan/0f3a9c2d11", "/staff/events/scan/<token>"),
        ("http://hub/events/day/2026-12-07", "/events/day/<date>"),
        ("http://hub/staff/messages?tab=new&topic=housing", "/staff/messages?tab&topic"),
        ("http://hub/staff/messages?topic=work&tab=mine", "/staff/messages?tab&topic"),
        ("http://hub/staff/klip/partners/invite", "/staff/klip/partners/invite"),
        ("http://hub/me/two-factor", "/me/two-factor"),
    ],
)
def test_ids_tokens_and_dates_collapse_into_one_pattern(url, pattern):
    assert route_pattern(url) == pattern


@pytest.mark.parametrize(
    ("href", "followed"),
    [
        ("http://hub/events", "http://hub/events"),
        ("http://hub/events#today", "http://hub/events"),  # another page, at a place on it
        ("http://hub/plan#goal-2", None),  # a place on this page
        ("http://hub/logout", None),
        ("http://hub/download/abc", None),
        ("https://hub/events", None),
        ("http://other.example/", None),
        ("mailto:hub@example.org", None),
        ("tel:+4512345678", None),
        ("sms:+4512345678", None),
        ("webcal://hub/calendar/x.ics", None),
    ],
)
def test_what_the_crawler_follows(href, followed):
    assert followable(href, "http://hub", current="http://hub/plan") == followed
