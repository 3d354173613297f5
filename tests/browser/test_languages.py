"""Pages read wholly in Vietnamese or Chinese: a faulty declaration, a refused request and
an authority form's refusals carry no English, and the language chosen survives sign-in."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from browser.test_declaration_form import _fill_trip

pytestmark = pytest.mark.browser

# What the English wording would show; none of it may reach a vi or zh page.
ENGLISH = re.compile(
    r"check digit|is not a plate|Input should|must be at most|is required|does not exist|"
    r"only the border authority|to_hour|from_hour|trucks_per_hour|must be after"
)
WORDS = {
    "vi": {
        "sign_in": "Đăng nhập",
        "trips": "Chuyến xe của tôi",
        "check_digit": "số kiểm tra phải là 3, không phải 4",
        "plate": "không phải biển số dạng",
        "heavy": "tối đa là 60000",
        "not_found": "không có tờ khai",
        "hours": "giờ kết thúc phải sau giờ bắt đầu",
        "too_many": "tối đa là 1000",
    },
    "zh": {
        "sign_in": "登录",
        "trips": "我的行程",
        "check_digit": "校验位应为 3，而不是 4",
        "plate": "不是有效车牌",
        "heavy": "不能大于 60000",
        "not_found": "不存在",
        "hours": "结束时须晚于起始时",
        "too_many": "不能大于 1000",
    },
}


def _sign_in_from(page, path: str, username: str) -> None:
    """Open a page that needs sign-in, and sign in on the form it sends the reader to."""
    page.goto(path)
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("button[type=submit]")


@pytest.mark.parametrize("lang", ["vi", "zh"])
def test_the_language_survives_sign_in(page, lang):
    words = WORDS[lang]
    page.goto(f"/trips?lang={lang}")
    page.wait_for_url(re.compile(rf"/login\?next=.*lang={lang}"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_have_text(words["sign_in"])
    page.fill("#username", "driver1")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/trips\?lang={lang}$"))
    expect(page.locator("h1")).to_have_text(words["trips"])
    # A later page without ?lang= keeps it too (the cookie).
    page.goto("/declarations/new")
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("lang", ["vi", "zh"])
def test_a_faulty_declaration_and_a_refusal_read_in_the_page_language(page, lang):
    words = WORDS[lang]
    _sign_in_from(page, f"/trips?lang={lang}", "driver2")
    _fill_trip(page, "XYZ", "CSQU3054384")  # a plate of neither country; check digit is 3
    page.fill("[id='f-goods.0.gross_kg']", "70000")
    page.click("#submit-declaration")
    form = page.locator("#declaration-form")
    expect(form).to_contain_text(words["check_digit"])
    expect(form.locator("#err-tractor_plate")).to_contain_text(words["plate"])
    expect(form.locator("[id='err-goods.0.gross_kg']")).to_have_text(words["heavy"])
    assert not ENGLISH.search(page.locator("main").inner_text())

    page.goto(f"/trips/{uuid.uuid4()}")
    expect(page.locator("#refusal")).to_contain_text(words["not_found"])
    assert not ENGLISH.search(page.locator("main").inner_text())


@pytest.mark.parametrize("lang", ["vi", "zh"])
def test_an_authority_form_is_refused_in_the_page_language(page, lang):
    words = WORDS[lang]
    _sign_in_from(page, f"/authority/chi-ma?lang={lang}", "authority-vn")
    page.wait_for_url(re.compile(r"/authority/chi-ma"))
    page.fill("#f-cap-trucks_per_hour", "5000")
    page.fill("#f-cap-from_hour", "9")
    page.fill("#f-cap-to_hour", "11")
    page.click("#capacity button[type=submit]")
    expect(page.locator("#capacity")).to_contain_text(words["too_many"])
    page.fill("#f-cap-trucks_per_hour", "10")
    page.fill("#f-cap-from_hour", "11")
    page.fill("#f-cap-to_hour", "9")
    page.click("#capacity button[type=submit]")
    expect(page.locator("#capacity")).to_contain_text(words["hours"])
    assert not ENGLISH.search(page.locator("#capacity").inner_text())
