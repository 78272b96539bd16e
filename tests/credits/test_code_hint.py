"""The partner's code field describes the codes the app really makes: example, length, pattern."""

from __future__ import annotations

import html
import re

import pytest

from hub.credits import vouchers
from hub.credits.models import Voucher
from hub.db import utcnow
from tests.credits.test_redeem import body_of, shop  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("english")


def field_of(page: str) -> dict[str, str]:
    tag = re.search(r'<input id="voucher-code"[^>]*>', page, re.S).group(0)
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
    hint = re.search(r'<p class="field__hint" id="voucher-code-hint">(.*?)</p>', page, re.S).group(1)
    return attributes | {"hint": html.unescape(hint)}


def real_codes(voucher_id: int) -> list[str]:
    voucher = Voucher(id=voucher_id, user_id=1, offer_id=1, price_klip=1, qr_secret="ab" * 32)
    now = utcnow()
    return [vouchers.current_code(voucher, now).code] + [c.code for c in vouchers.offline_codes(voucher, now)]


@pytest.mark.parametrize("voucher_id", [1, 48, 9_999, 999_999_999])
def test_real_codes_fit_the_field_the_partner_types_in(voucher_id):
    pattern = re.compile(vouchers.CODE_INPUT_PATTERN)  # the browser anchors it at both ends, as fullmatch
    for code in real_codes(voucher_id):
        assert pattern.fullmatch(code), code
        assert pattern.fullmatch(code.replace("-", "")), "typed on a number pad, without the dash"
        assert len(code) <= vouchers.CODE_MAX_LENGTH
        assert vouchers.parse(code) == (voucher_id, code.split("-")[1])


def test_the_example_has_the_shape_of_a_real_code():
    shape = re.compile(rf"\d+-\d{{{vouchers.DIGITS}}}")
    assert shape.fullmatch(vouchers.EXAMPLE_CODE) and all(shape.fullmatch(c) for c in real_codes(7))
    assert vouchers.parse(vouchers.EXAMPLE_CODE) == (48, "913027")
    longest = real_codes(999_999_999)[0]
    assert len(longest) == vouchers.CODE_MAX_LENGTH, "the field is exactly as long as the longest code"


@pytest.mark.parametrize("page", ["/", "/redeem"])
def test_the_partner_sees_the_example_length_and_pattern(client, auth, make, shop, page):  # noqa: F811
    auth.login(make.user(partner_id=shop["bloc"].id))
    field = field_of(body_of(client.get(page)))
    assert field["maxlength"] == str(vouchers.CODE_MAX_LENGTH) == "16"
    assert field["inputmode"] == "numeric" and field["placeholder"] == vouchers.EXAMPLE_CODE
    assert html.unescape(field["pattern"]) == vouchers.CODE_INPUT_PATTERN
    assert f"like {vouchers.EXAMPLE_CODE}" in field["hint"] and "leave out the dash" in field["hint"]


def test_a_code_typed_without_its_dash_is_looked_up(world, client, login_as, shop):  # noqa: F811
    login_as("staff")
    code = vouchers.current_code(shop["voucher"]).code
    found = client.get("/redeem", query_string={"code": code.replace("-", "")})
    assert found.status_code == 200 and "Klatring i Bloc Aarhus" in body_of(found)
    # The longest number the field allows is read as a code too (no voucher has it).
    longest = client.get("/redeem", query_string={"code": "9" * (vouchers.CODE_MAX_LENGTH - 1)})
    assert longest.status_code == 404 and "We do not know that code" in body_of(longest)


def test_the_message_for_an_unreadable_code_shows_the_same_example(client, login_as):
    login_as("staff")
    response = client.post("/redeem", data={"code": "12-34"})
    assert response.status_code == 422 and f"It looks like {vouchers.EXAMPLE_CODE}." in body_of(response)


def test_the_danish_hint_shows_the_example(client, auth, make, shop):  # noqa: F811
    auth.login(make.user(partner_id=shop["bloc"].id))
    hint = field_of(body_of(client.get("/redeem?lang=da")))["hint"]
    assert hint.startswith(f"Et tal, en bindestreg og seks cifre, fx {vouchers.EXAMPLE_CODE}.")
