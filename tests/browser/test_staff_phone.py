"""Staff on a phone, one hand: the menu in one row at the bottom with "More", the inbox's
conversations at the top, tables that fit or scroll in their own box, names that wrap between
words; checking people in, answering a message and giving klip with taps. And the measures of
tests/browser/measure.py (44 px targets, no sideways scrolling, checkboxes with their labels,
reachable scroll boxes) on the young person's and the staff's main pages."""

from __future__ import annotations

import re

import pytest

from tests.browser import measure

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

STAFF = "personale@example.org"
YOUNG = "ung@example.org"
SMALL = {"width": 360, "height": 740}
USUAL = {"width": 390, "height": 844}
PHONES = [pytest.param(SMALL, id="360x740"), pytest.param(USUAL, id="390x844")]


def main_menu(ui, danish):
    return ui.page.get_by_role("navigation", name=danish("Main menu"))


def tap_and_land(ui, locator, path_pattern: str) -> None:
    """Tap a link (a finger, not a mouse) and wait for the boosted page; then check it."""
    locator.tap()
    ui.page.wait_for_url(re.compile(path_pattern))
    ui.settled()
    ui.check()


def assert_measures_pass(ui, where: str) -> None:
    measure.open_details(ui.page)
    problems = measure.all_problems(ui.page)
    assert not problems, f"{where}:\n" + "\n".join(f"{what}:\n  " + "\n  ".join(p) for what, p in problems.items())


def words_broken_across_lines(page, selector: str) -> list[str]:
    """Words in the elements matching `selector` that the browser split over two lines."""
    return page.evaluate(
        """(selector) => {
            const broken = [];
            for (const el of document.querySelectorAll(selector)) {
              const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const match of node.textContent.matchAll(/\\S+/g)) {
                  const range = document.createRange();
                  range.setStart(node, match.index);
                  range.setEnd(node, match.index + match[0].length);
                  const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                  if (lines.size > 1) broken.push(match[0]);
                }
              }
            }
            return broken;
        }""",
        selector,
    )


# --------------------------------------------------------------------------------------
# The menu
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", PHONES)
def test_the_staff_menu_is_one_row_at_the_bottom_with_the_rest_under_more(browse, danish, phone):
    """On a phone the staff menu is one row at the bottom of the screen: Overview, Events, Inbox,
    Klip and More, each at least 44 px; the rest is under More, which opens with a tap or the
    keyboard, closes with Escape (the focus back on its button) or a tap elsewhere, and is closed
    again on the page its link leads to, where More shows that the page is one of its own."""
    ui = browse(viewport=phone)
    page = ui.page
    ui.log_in(STAFF)
    nav = main_menu(ui, danish)
    expect(nav).to_be_visible()

    box = nav.bounding_box()
    assert box["height"] <= 80, f"the menu is {box['height']} px tall: more than one row"
    assert box["y"] + box["height"] >= phone["height"] - 1, f"the menu is not at the bottom of the screen: {box}"
    names = ("Overview", "Events", "Inbox", "Klip")
    row = [nav.get_by_role("link", name=danish(name, same_ok=name == "Klip")) for name in names]
    more = nav.locator("summary")
    expect(more).to_have_text(re.compile(danish("More")))
    for item in [*row, more]:
        expect(item).to_be_visible()
        item_box = item.bounding_box()
        assert item_box["width"] >= 44 and item_box["height"] >= 44, item_box
        assert abs(item_box["y"] - box["y"]) <= 2, f"{item_box} is not in the row at {box['y']}"
        assert 0 <= item_box["x"] and item_box["x"] + item_box["width"] <= phone["width"] + 0.5
    people = nav.get_by_role("link", name=danish("People"))
    expect(people).to_be_hidden()
    assert not measure.horizontal_overflow(page)

    # A tap opens More, a tap elsewhere closes it.
    more.tap()
    expect(people).to_be_visible()
    assert not measure.too_small_controls(page)
    page.locator("main h1").tap()
    expect(people).to_be_hidden()

    # The keyboard: Enter opens it, Escape closes it and gives the focus back to its button.
    more.focus()
    page.keyboard.press("Enter")
    expect(people).to_be_visible()
    page.keyboard.press("Escape")
    expect(people).to_be_hidden()
    expect(more).to_be_focused()

    # Its link leads on, and the next page brings it closed, with More marked as where one is.
    more.tap()
    tap_and_land(ui, people, r"/staff/people$")
    nav = main_menu(ui, danish)
    expect(nav.get_by_role("link", name=danish("People"))).to_be_hidden()
    expect(nav.locator("summary")).to_have_class(re.compile(r"nav-more__button--here"))
    expect(nav.locator("details")).not_to_have_attribute("open", "")
    assert nav.bounding_box()["height"] <= 80


def test_the_staff_menu_is_one_row_at_the_top_on_a_wide_screen(browse, danish):
    """From 720 px every entry stands in the row at the top, and there is no More."""
    ui = browse(viewport={"width": 1280, "height": 800})
    ui.log_in(STAFF)
    nav = main_menu(ui, danish)
    box = nav.bounding_box()
    assert box["y"] < 80, f"the menu is not at the top: {box}"
    for name in ("Overview", "Events", "Inbox", "Ideas", "Klip", "Support", "People", "Evaluation", "Me"):
        # Not exact: Inbox's name has its count ("Indbakke 2 nye").
        expect(nav.get_by_role("link", name=danish(name, same_ok=name == "Klip"))).to_be_visible()
    expect(nav.locator("summary")).to_be_hidden()


# --------------------------------------------------------------------------------------
# The inbox, tables, names
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", PHONES)
def test_the_inbox_shows_its_conversations_in_the_top_third_of_a_phone(browse, danish, phone):
    """The first conversation starts in the top third of the screen; who is on duty and the
    topic filters come after the list; the page never scrolls sideways."""
    ui = browse(viewport=phone)
    page = ui.page
    ui.log_in(STAFF)
    tap_and_land(ui, main_menu(ui, danish).get_by_role("link", name=danish("Inbox")), r"/staff/messages$")
    first = page.locator(".inbox-row").first
    expect(first).to_be_visible()
    top = first.bounding_box()["y"]
    assert top < phone["height"] / 3, f"the first conversation starts at {top} px of {phone['height']}"
    duty = page.locator("#duty").bounding_box()
    assert duty["y"] > top, "who is on duty should come after the conversations"
    assert not measure.horizontal_overflow(page)


def test_staff_pages_fit_a_small_phone(browse, danish):
    """The main staff pages at 360 × 740: nothing scrolls sideways (a wide table scrolls in its own
    named box), every control is at least 44 × 44 px, every checkbox sits in its label."""
    ui = browse(viewport=SMALL)
    page = ui.page
    ui.log_in(STAFF)
    paths = [
        "/",
        "/staff/events",
        "/staff/events/stats",
        "/staff/messages",
        "/staff/messages/settings",
        "/staff/messages/stats",
        "/staff/klip",
        "/staff/klip/grant",
        "/staff/klip/stats",
        "/staff/people",
        "/staff/support",
        "/staff/evaluation",
        "/staff/evaluation/stats",
        "/staff/checkins",
    ]
    ui.visit("/staff/events")
    paths.append(page.locator("main a[href$='/attendance']").first.get_attribute("href"))
    ui.visit("/staff/messages")
    paths.append(page.locator(".inbox-row__link").first.get_attribute("href"))
    ui.visit("/staff/klip")
    paths.append(page.locator("main a[href^='/staff/klip/people/']").first.get_attribute("href"))
    for path in paths:
        ui.visit(path)
        assert_measures_pass(ui, path)


def test_names_on_the_attendance_list_wrap_between_words(browse, danish):
    """At 360 px a name on the attendance list never breaks inside a word ("Niels-en")."""
    ui = browse(viewport=SMALL)
    page = ui.page
    ui.log_in(STAFF)
    ui.visit("/staff/events")
    tap_and_land(ui, page.locator("main a[href$='/attendance']").first, r"/attendance$")
    expect(page.locator(".attendee__name").first).to_be_visible()
    assert not words_broken_across_lines(page, ".attendee__name")
    assert not words_broken_across_lines(page, ".attendee__state")


# --------------------------------------------------------------------------------------
# The work, with taps
# --------------------------------------------------------------------------------------


def test_on_a_phone_staff_check_in_answer_and_give_klip_with_taps(browse, own_server, danish):
    """At 360 × 740 with a finger: from the menu to the attendance list and a tap on Sara checks
    her in; from the menu to the inbox, a conversation, an answer sent; from the menu to Klip,
    Sara, and klip given (her balance goes up)."""
    ui = browse(server=own_server, viewport=SMALL)
    page = ui.page
    ui.log_in(STAFF)
    nav = main_menu(ui, danish)

    # Check in.
    tap_and_land(ui, nav.get_by_role("link", name=danish("Events")), r"/staff/events$")
    cooking = (
        page.locator("li.event-item")
        .filter(has=page.locator("a[href$='/attendance']"))
        .filter(has_text="Mad for en SU")
    )
    tap_and_land(ui, cooking.first.locator("a[href$='/attendance']"), r"/staff/events/\d+/attendance$")
    sara = page.locator("li.attendee").filter(has_text="Sara Nielsen")
    expect(sara).not_to_have_class(re.compile(r"\battendee--here\b"))
    with page.expect_response(lambda r: r.url.endswith("/check-in") and r.request.method == "POST") as answer:
        sara.get_by_role("button").tap()
    assert answer.value.status == 200
    ui.settled()
    expect(page.locator("li.attendee").filter(has_text="Sara Nielsen")).to_have_class(re.compile(r"\battendee--here\b"))
    ui.check()

    # Answer the inbox.
    tap_and_land(ui, main_menu(ui, danish).get_by_role("link", name=danish("Inbox")), r"/staff/messages$")
    tap_and_land(ui, page.locator(".inbox-row__link").first, r"/staff/messages/\d+$")
    words = "Hej, det finder vi ud af. Kom forbi i morgen, så kigger vi på det sammen."
    reply = page.locator("form[action$='/reply']")
    reply.locator("textarea[name=body]").tap()
    reply.locator("textarea[name=body]").fill(words)
    reply.get_by_role("button", name=danish("Send", same_ok=True)).tap()
    expect(page.locator("main")).to_contain_text(words)
    ui.settled()
    ui.check()

    # Give klip.
    tap_and_land(ui, main_menu(ui, danish).get_by_role("link", name=danish("Klip", same_ok=True)), r"/staff/klip$")
    tap_and_land(ui, page.locator("main a", has_text="Sara Nielsen").first, r"/staff/klip/people/\d+$")
    balance = page.locator(".klip-figures dd").first
    before = int(balance.inner_text())
    grant = page.locator("#grant form")
    grant.get_by_label(danish("Klip", same_ok=True), exact=True).fill("3")
    grant.get_by_label(danish("Why"), exact=True).fill("Til klatring med holdet")
    grant.get_by_role("button", name=danish("Give klip")).tap()
    page.wait_for_url(re.compile(r"/staff/klip/people/\d+"))
    ui.settled()
    ui.check()
    expect(page.locator(".klip-figures dd").first).to_have_text(str(before + 3))


# --------------------------------------------------------------------------------------
# The measures, on the young person's pages and the staff's
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", PHONES)
def test_the_young_persons_pages_pass_the_measures(browse, phone):
    """Home, wellbeing, profile, events, klip, messages and the plan, every <details> opened:
    controls of 44 × 44 px or more (the wellbeing delete buttons, the profile's radios), no
    sideways scrolling, checkboxes and radios in their labels, scroll boxes reachable."""
    ui = browse(viewport=phone)
    page = ui.page
    ui.log_in(YOUNG)
    paths = ["/", "/wellbeing", "/me/profile", "/events", "/klip", "/klip/offers", "/messages", "/messages/new"]
    paths.append("/plan")
    ui.visit("/events")
    paths.append(page.locator("main a[href^='/events/']").first.get_attribute("href"))
    for path in paths:
        ui.visit(path)
        assert_measures_pass(ui, path)


def test_the_measures_find_what_they_are_meant_to_find(ui):
    """The helpers themselves: a 29 × 23 button, a checkbox outside its label, a block wider than
    the phone and a wide table in an unnamed scroll box are each reported; a link inside a
    sentence is not (WCAG's inline exception), a link alone in its paragraph is."""
    ui.visit("/privacy")
    page = ui.page
    assert not measure.too_small_controls(page)
    # Styles set through the CSSOM: the Content Security Policy refuses style attributes.
    page.evaluate(
        """() => {
            const test = document.createElement('div');
            test.id = 'measure-test';
            test.innerHTML = `
              <p><button id="tiny" type="button">x</button></p>
              <p>Read <a id="in-text" href="/privacy">the notice</a> before you start.</p>
              <p><a id="alone" href="/privacy">Alone</a></p>
              <input type="checkbox" id="apart"> <label for="apart">Apart</label>
              <label class="choice"><input type="checkbox" id="inside"> <span id="under">Under</span></label>
              <div id="wide"></div>
              <div id="scroller"><table><tr><td id="wide-cell">x</td></tr></table></div>`;
            document.getElementById('main').append(test);
            const tiny = document.getElementById('tiny').style;
            Object.assign(tiny, {all: 'unset', display: 'inline-block', width: '29px', height: '23px'});
            document.getElementById('under').style.display = 'block';
            document.querySelector('label.choice').style.flexDirection = 'column';
            Object.assign(document.getElementById('wide').style, {width: '900px', height: '10px'});
            document.getElementById('scroller').style.overflowX = 'auto';
            document.getElementById('wide-cell').style.minWidth = '900px';
        }"""
    )
    small = "\n".join(measure.too_small_controls(page))
    assert "#tiny" in small and "29×23" in small, small
    assert "#alone" in small and "#in-text" not in small, small
    apart = "\n".join(measure.checkbox_label_apart(page))
    assert "#apart" in apart and "does not include the control" in apart, apart
    assert "#inside" in apart and "another line" in apart, apart
    wide = "\n".join(measure.horizontal_overflow(page))
    assert "#wide" in wide and "the page is" in wide, wide
    assert "#scroller" not in wide, wide  # it holds its table: not the page's problem …
    scrolling = "\n".join(measure.unreachable_scroll_boxes(page))
    assert "#scroller" in scrolling, scrolling  # … but it must be a named region to reach it
    page.evaluate("() => document.getElementById('measure-test').remove()")
    assert not measure.all_problems(page)
