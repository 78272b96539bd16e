"""Find the forms a person can reach: follow same-site links breadth-first from home (one page
per route pattern) and list every form that POSTs, one per action pattern.

The pages are fetched with the browser context's own request client (the same cookies as the
page, so the same person), not shown in the page: finding the forms costs a few hundred
milliseconds, and the test shows each form's page in the browser when it submits it.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Ids, long tokens and dates in a path are collapsed, so each route is visited once.
_SEGMENT_PATTERNS = (
    (re.compile(r"^\d+$"), "<id>"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "<date>"),
    (re.compile(r"^(?=[^/]*\d)[A-Za-z0-9_-]{16,}$"), "<token>"),  # a route's own words have no digit
)
# Never fetched: leaving, files (downloads are not pages), the service worker and its offline page.
_NOT_PAGES = re.compile(r"^/(logout|static/|download/|sw\.js|manifest|offline)|\.(json|csv|zip|ics|pdf|png|svg)$")


def pattern(path: str) -> str:
    """/staff/events/12/attendance -> /staff/events/<id>/attendance."""
    parts = []
    for part in path.split("/"):
        for regex, name in _SEGMENT_PATTERNS:
            if regex.match(part):
                part = name
                break
        parts.append(part)
    return "/".join(parts)


def page_key(url: str) -> str:
    """A page's route pattern and the names of its query parameters."""
    split = urlsplit(url)
    keys = sorted({pair.split("=", 1)[0] for pair in split.query.split("&") if pair})
    return pattern(split.path) + ("?" + "&".join(keys) if keys else "")


@dataclass
class Form:
    """A form that POSTs, as found on a page: where it is and where it goes."""

    page: str  # the path (and query) of the page it is on
    action: str  # the path it posts to

    @property
    def key(self) -> str:
        return "POST " + pattern(self.action)

    @property
    def regex(self) -> str:
        """A JavaScript regular expression for the paths of this form's pattern."""
        names = {name: regex.pattern.strip("^$") for regex, name in _SEGMENT_PATTERNS}
        parts = [names.get(part, re.escape(part)) for part in pattern(self.action).split("/")]
        return "^" + "/".join(parts) + "$"


class _Page(HTMLParser):
    """The links and POST forms of one HTML page."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") and "download" not in attrs:
            href = attrs["href"]
            if not href.startswith(("#", "mailto:", "tel:", "sms:", "javascript:")):
                self.links.append(urljoin(self.url, href))
        elif tag == "form" and ((attrs.get("method") or "get").lower() == "post" or "hx-post" in attrs):
            action = urlsplit(urljoin(self.url, attrs.get("hx-post") or attrs.get("action") or self.url))
            self.forms.append(Form(page="", action=action.path))


@dataclass
class Walk:
    """What a person reaches: one page per pattern, and the POST forms on them."""

    pages: dict[str, str] = field(default_factory=dict)  # page key -> the path visited
    forms: dict[str, Form] = field(default_factory=dict)  # form key -> where it was first found


def walk(context, base_url: str, start: str = "/", limit: int = 150) -> Walk:
    """Breadth-first over the same-site pages the context's person can open, one per pattern."""
    found = Walk()
    origin = urlsplit(base_url).netloc
    queue = deque([urljoin(base_url, start)])
    while queue:
        url = queue.popleft()
        split = urlsplit(url)
        key = page_key(url)
        if split.netloc != origin or key in found.pages or _NOT_PAGES.search(split.path):
            continue
        if len(found.pages) >= limit:
            raise AssertionError(f"more than {limit} page patterns: does a pattern not collapse? {sorted(found.pages)}")
        found.pages[key] = url
        answer = context.request.get(url)
        if not answer.ok or "text/html" not in answer.headers.get("content-type", ""):
            continue
        shown = urlsplit(answer.url)  # after any redirect
        path = shown.path + (f"?{shown.query}" if shown.query else "")
        found.pages[key] = path
        parser = _Page(answer.url)
        parser.feed(answer.text())
        for form in parser.forms:
            form.page = path
            found.forms.setdefault(form.key, form)
        queue.extend(link.split("#", 1)[0] for link in parser.links)
    return found
