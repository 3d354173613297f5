"""Every page, for every role, within its Content-Security-Policy (the `page` fixture fails
the test on any refused script or style), and its forms working under it."""

import pytest
from playwright.sync_api import expect

from browser.conftest import settled, sign_in

pytestmark = pytest.mark.browser
PUBLIC = ["/", "/gates/huu-nghi", "/wait-times", "/display/huu-nghi", "/login"]
BY_ROLE = {
    "driver1": ["/trips", "/declarations/new", "/status"],
    "forwarder1": ["/trips", "/declarations/new", "/status"],
    "operator-huunghi": ["/queue/huu-nghi", "/trips"],
    "authority-vn": ["/authority", "/exchange", "/trips"],
}


def _visit(page, paths):
    for path in paths:
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("networkidle")


def test_public_pages_meet_their_policy(page):
    _visit(page, PUBLIC)


@pytest.mark.parametrize("username", sorted(BY_ROLE))
def test_each_roles_pages_meet_their_policy(page, username):
    sign_in(page, username)
    _visit(page, BY_ROLE[username])


def test_adding_a_goods_line_works_without_inline_script(page):
    sign_in(page, "driver1")
    page.goto("/declarations/new?lang=en")
    settled(page)
    page.click("text=Add goods line")
    expect(page.locator(".goods-line")).to_have_count(2)
    page.click("text=Add goods line")
    expect(page.locator(".goods-line")).to_have_count(3)
    names = page.locator(".goods-line input[name$='.hs_code']").evaluate_all(
        "inputs => inputs.map(i => i.name)"
    )
    assert names == ["goods.0.hs_code", "goods.1.hs_code", "goods.2.hs_code"]


def test_signing_out_ends_the_token_not_only_the_cookie(page, server):
    sign_in(page, "driver2")
    expect(page).to_have_url(f"{server.url}/trips")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "smartgate_token")
    page.click("text=Sign out")
    expect(page).to_have_url(f"{server.url}/")
    with server.client() as http:
        answer = http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
