"""The klippekort in a real browser: a young person spends klip on an offer and gets a ticket
whose code changes every minute; a partner and the staff redeem it at the door.

The Danish catalogue for these pages is still being filled in, so these tests find things by
role, id, href, class and input name, and tell the redeem page's answers apart by their HTTP
status (404 for any code a partner cannot use, used or unknown alike), never by copy. Offer titles and first names are
demo data, not copy. Every test spends, redeems or at least tries to, so each runs on a server
of its own (`own_server`: a fresh copy of the demo database).
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

CLIMBING = "Klatring i Bloc Aarhus"  # Bloc Aarhus's offer, 2 klip
CLIMBING_PRICE = 2
CINEMA = "Biograftur i Øst for Paradis"  # Sara already has an open ticket for it (1 klip)
SARA = "Sara"  # ung@example.org's first name, as staff and partners see it
SARA_KLIP = 5  # 6 welcome klip, 1 spent on the cinema ticket

VOUCHER_URL = re.compile(r"/klip/vouchers/(\d+)$")
OFFER_URL = re.compile(r"/klip/offers/(\d+)$")
CODE = re.compile(r"(\d+)-(\d{6})")  # the fallback code under the QR: "<voucher id>-<6 digits>"
POLL_SECONDS = 20


def number(n: int) -> re.Pattern:
    """Text holding this number and no longer one (5, not 15 or 50)."""
    return re.compile(rf"(?<!\d){n}(?!\d)")


def go(ui, link, url) -> None:
    """Tap a link and wait for the page it leads to (boosted by htmx), then check it."""
    link.click()
    ui.page.wait_for_url(url)
    ui.settled()
    ui.check()


# -- the young person's side -----------------------------------------------------------------


def shown_code(page) -> str:
    """The fallback code on the ticket, as it is shown now (without its hidden "Code:" label)."""
    text = page.locator("#voucher-code .ticket-card__number").inner_text().strip()
    found = CODE.search(text)
    assert found and text.endswith(found.group(0)), f"no code like 12-345678 on the ticket: {text!r}"
    return found.group(0)


def expect_open_ticket(page, voucher_id: int) -> str:
    """An open ticket: a QR code big enough to scan and a code of this voucher; gives the code."""
    code_block = page.locator("#voucher-code")
    expect(code_block).to_have_count(1)
    qr = code_block.locator(".qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 100 and box["height"] >= 100, f"QR code too small to scan: {box}"
    expect(code_block.locator(".ticket-card__number")).to_have_text(re.compile(rf"(?<!\d){voucher_id}-\d{{6}}\s*$"))
    return shown_code(page)


def klip_balance(page):
    return page.locator(".klip-balance .klip-balance__number")


def open_ticket(ui, title: str) -> int:
    """From "My tickets", open the open ticket of this offer; gives the voucher id."""
    page = ui.page
    ui.visit("/klip/vouchers")
    stub = page.locator("ul.ticket-stubs:not(.ticket-stubs--earlier) li.ticket-stub--open a").filter(has_text=title)
    expect(stub).to_have_count(1)
    go(ui, stub, VOUCHER_URL)
    expect(page.locator("#ticket-title")).to_have_text(title)
    return int(VOUCHER_URL.search(page.url).group(1))


# -- the door: staff and partners --------------------------------------------------------------


def code_form(page):
    return page.locator("main form[action='/redeem']:not([method=post])")


def look_up(ui, code: str) -> int:
    """Type a code into the redeem page's code field and look it up; gives the HTTP status."""
    page = ui.page
    form = code_form(page)
    expect(form.locator("input[name=code]")).to_be_visible()
    form.locator("input[name=code]").fill(code)

    def answer(response) -> bool:
        where = urlsplit(response.url)
        return where.path == "/redeem" and "code=" in where.query and response.request.method == "GET"

    with page.expect_response(answer) as answered:
        form.locator("button[type=submit]").click()
    status = answered.value.status
    ui.settled()
    ui.check()
    assert status < 500, f"looking up {code!r} answered {status}"
    return status


def expect_refused(page) -> None:
    """The redeem page says no: the error summary, nothing found, no button to use a voucher."""
    expect(page.locator("main [data-error-summary]")).to_be_visible()
    expect(page.locator("main .redeem__found")).to_have_count(0)
    expect(page.locator("main form[action='/redeem'][method=post]")).to_have_count(0)


def expect_found(page, title: str, price: int) -> None:
    """The redeem page found a valid voucher: the offer, the young person's first name, a button."""
    found = page.locator("main .redeem__found")
    expect(found).to_be_visible()
    expect(page.locator("main [data-error-summary]")).to_have_count(0)
    expect(found.locator(".redeem__offer")).to_have_text(title)
    expect(found).to_contain_text(SARA)
    expect(found).to_contain_text(number(price))
    expect(found.locator(".redeem__valid")).to_be_visible()
    expect(found.locator("form[action='/redeem'][method=post] button[type=submit]")).to_be_visible()


def post_use(ui, code: str) -> int:
    """Send "Use voucher" for a code straight to the server (a resent form, or a forged one),
    with this person's cookies and CSRF token; gives the HTTP status."""
    page = ui.page
    token = page.evaluate("() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    response = page.request.post(
        ui.url("/redeem"),
        form={"code": code, "csrf_token": token},
        headers={"X-CSRFToken": token, "HX-Request": "true", "Referer": ui.url("/redeem")},
        max_redirects=0,
    )
    return response.status


# -- the tests -------------------------------------------------------------------------------


def test_young_person_spends_klip_and_the_partner_redeems_the_ticket(browse, own_server):
    """Sara sees her 5 klip on her home and her klippekort, opens the catalogue and the climbing
    offer, and uses 2 klip with one tap: she lands on a ticket with a QR code and a fallback
    code, has 3 klip left and the spend is in her history. At Bloc Aarhus, Jens logs in, types
    the code, sees it is valid and for Sara, uses it and gets the confirmation; the same code
    again is already used, also when the form is sent again. Sara's ticket then shows as used."""
    sara = browse(server=own_server)
    page = sara.page
    sara.log_in("ung@example.org")

    # Home: the klip card says 5 and leads to the klippekort.
    assert urlsplit(page.url).path == "/"
    home_card = page.locator("#home-klip a[href='/klip']")
    expect(home_card).to_be_visible()
    expect(home_card).to_contain_text(number(SARA_KLIP))
    go(sara, home_card, sara.url("/klip"))
    expect(klip_balance(page)).to_have_text(re.compile(rf"^\s*{SARA_KLIP}(?!\d)"))
    spends_before = page.locator(".klip-history .klip-line--out").count()

    # The catalogue, and the climbing offer.
    go(sara, page.locator(".klip-balance a[href='/klip/offers']"), sara.url("/klip/offers"))
    card = page.locator("#offers article.offer-card").filter(has=page.get_by_role("heading", name=CLIMBING, exact=True))
    expect(card).to_have_count(1)
    go(sara, card.locator("a.button[href^='/klip/offers/']"), OFFER_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(CLIMBING)

    # One tap on "Use 2 klip": exactly one purchase, and the ticket.
    buys = []
    page.on("request", lambda request: buys.append(request) if request.method == "POST" else None)
    use = page.locator("#offer-action form[action$='/buy'] button[type=submit]")
    expect(use).to_have_count(1)
    expect(use).to_contain_text(number(CLIMBING_PRICE))
    use.click()
    page.wait_for_url(VOUCHER_URL)
    sara.settled()
    sara.check()
    ticket_path = urlsplit(page.url).path
    voucher_id = int(VOUCHER_URL.search(ticket_path).group(1))
    posted = [urlsplit(request.url).path for request in buys]
    assert len(posted) == 1 and re.fullmatch(r"/klip/offers/\d+/buy", posted[0]), f"one purchase expected: {posted}"

    expect(page.locator("#ticket-title")).to_have_text(CLIMBING)
    expect(page.locator("#flashes .flash--success")).to_have_count(1)
    expect(page.locator("article.ticket-card")).to_have_class(re.compile(r"\bticket-card--open\b"))
    code = expect_open_ticket(page, voucher_id)

    # 3 klip left, and the history lists the spend (newest first).
    sara.visit("/klip")
    expect(klip_balance(page)).to_have_text(re.compile(rf"^\s*{SARA_KLIP - CLIMBING_PRICE}(?!\d)"))
    spends = page.locator(".klip-history .klip-line--out")
    expect(spends).to_have_count(spends_before + 1)
    expect(spends.first).to_contain_text(CLIMBING)
    expect(spends.first.locator(".klip-line__amount")).to_have_text(f"-{CLIMBING_PRICE}")

    # Bloc Aarhus: the partner lands on the code field, types the code, and it is Sara's.
    bloc = browse(server=own_server)
    door = bloc.page
    bloc.log_in("bloc@example.org")
    expect(code_form(door).locator("input[name=code]")).to_be_visible()
    expect(door.locator("a[href='/redeem']").first).to_be_visible()  # the Redeem tab
    assert look_up(bloc, code) == 200
    expect_found(door, CLIMBING, CLIMBING_PRICE)

    # Use it: the confirmation names the offer and Sara.
    door.locator("main .redeem__found form[action='/redeem'][method=post] button[type=submit]").click()
    door.wait_for_url(re.compile(rf"/redeem\?done={voucher_id}$"))
    bloc.settled()
    bloc.check()
    done = door.locator("main .redeem__done[role=status]")
    expect(done).to_be_visible()
    expect(done).to_contain_text(CLIMBING)
    expect(done).to_contain_text(SARA)
    expect(door.locator("main .redeem__found")).to_have_count(0)

    # The same code again: answered like any code the partner cannot use (404), not found
    # again and no server error; a form sent again cannot use it twice either.
    assert look_up(bloc, code) == 404
    expect_refused(door)
    assert post_use(bloc, code) == 404

    # Sara's ticket, reloaded: used, with no QR and no code, and it no longer asks for one.
    sara.visit(ticket_path)
    expect(page.locator("article.ticket-card")).to_have_class(re.compile(r"\bticket-card--redeemed\b"))
    code_block = page.locator("#voucher-code")
    expect(code_block).to_have_class(re.compile(r"\bticket-card__code--done\b"))
    expect(code_block.locator(".qr")).to_have_count(0)
    expect(code_block.locator(".ticket-card__number")).to_have_count(0)
    expect(code_block).not_to_have_attribute("hx-get", re.compile(".*"))
    expect(page.locator("main")).not_to_contain_text(code)
    # Redeeming does not cost more klip.
    sara.visit("/klip")
    expect(klip_balance(page)).to_have_text(re.compile(rf"^\s*{SARA_KLIP - CLIMBING_PRICE}(?!\d)"))


def test_partner_cannot_redeem_another_partners_voucher(browse, own_server):
    """Sara's cinema ticket (Øst for Paradis) typed in at Bloc Aarhus is answered exactly like a
    code that does not exist, and sending "Use voucher" for it anyway fails; the staff look the
    same code up and see it is valid and Sara's."""
    sara = browse(server=own_server)
    sara.log_in("ung@example.org")
    voucher_id = open_ticket(sara, CINEMA)
    code = expect_open_ticket(sara.page, voucher_id)

    bloc = browse(server=own_server)
    door = bloc.page
    bloc.log_in("bloc@example.org")
    unknown_id = voucher_id + 9_999
    assert look_up(bloc, f"{unknown_id}-123456") == 404
    expect_refused(door)
    unknown_answer = door.locator("main [data-error-summary]").inner_text()

    assert look_up(bloc, code) == 404
    expect_refused(door)
    expect(door.locator("main [data-error-summary]")).to_have_text(unknown_answer)  # no hint that it exists
    expect(door.locator("main")).not_to_contain_text(SARA)
    expect(door.locator("main")).not_to_contain_text(CINEMA)
    assert post_use(bloc, code) == 404

    staff = browse(server=own_server)
    desk = staff.page
    staff.log_in("personale@example.org")
    staff.visit("/redeem")
    assert look_up(staff, code) == 200
    expect_found(desk, CINEMA, 1)


def test_ticket_code_refreshes_itself_when_the_minute_changes(browse, own_server):
    """The code on an open ticket is fetched again every 20 seconds, in place: within the minute
    a fetch gives the same code, and once the server's minute has changed the page shows a new
    code and a new QR code without Sara doing anything.

    The server's clock cannot be faked (gunicorn runs in another process), so this waits for
    the real minute to change: at most a minute plus one poll. Playwright's clock only drives
    the browser's timers, to show that polling happens and changes nothing within the minute."""
    sara = browse(server=own_server)
    page = sara.page
    sara.log_in("ung@example.org")
    page.clock.install()
    before_load = time.monotonic()
    voucher_id = open_ticket(sara, CINEMA)
    poll_path = f"/klip/vouchers/{voucher_id}/code"

    code_block = page.locator("#voucher-code")
    expect(code_block).to_have_attribute("hx-get", poll_path)
    expect(code_block).to_have_attribute("hx-trigger", f"every {POLL_SECONDS}s")
    expect(code_block).to_have_attribute("hx-swap", "outerHTML")
    first = expect_open_ticket(page, voucher_id)
    first_qr = code_block.locator(".qr").inner_html()
    changes = code_block.locator(".ticket-card__changes")
    seconds_left = int(re.search(r"\d+", changes.inner_text()).group(0))
    assert 1 <= seconds_left <= 60, seconds_left
    # The server rounds the seconds left up and rendered the page between these two moments.
    not_before = before_load + seconds_left - 1  # the code cannot change earlier than this
    at_latest = time.monotonic() + seconds_left  # and has changed on the server by then

    # The browser's clock 21 s on: htmx polls once. Within the same minute the code stays.
    def poll(response) -> bool:
        return urlsplit(response.url).path == poll_path

    page.evaluate("() => { document.getElementById('voucher-code').dataset.before = 'yes'; }")
    with page.expect_response(poll) as polled:
        page.clock.fast_forward(f"00:{POLL_SECONDS + 1}")
    assert polled.value.status == 200
    expect(page.locator("#voucher-code[data-before]")).to_have_count(0)  # swapped in place
    expect(page.locator("#voucher-code")).to_have_count(1)
    if time.monotonic() < not_before:  # the poll was answered within the minute
        assert shown_code(page) == first, "the code changed within its minute"

    # The real minute changes; the next poll (every 20 s, real time) shows a new code and QR.
    wait = max(0.0, at_latest - time.monotonic()) + POLL_SECONDS + 10
    number_block = page.locator("#voucher-code .ticket-card__number")
    expect(number_block).not_to_have_text(re.compile(rf"{re.escape(first)}\s*$"), timeout=wait * 1000)
    assert time.monotonic() >= not_before, "the code changed before the minute was over"
    second = expect_open_ticket(page, voucher_id)
    assert second != first
    assert page.locator("#voucher-code .qr").inner_html() != first_qr, "the QR code did not change with the code"
    assert urlsplit(page.url).path == f"/klip/vouchers/{voucher_id}"  # in place, not a new page
    sara.check()
