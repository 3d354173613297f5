"""A driver declares a trip in the browser and finds it among their trips."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from smartgate.shared.clock import VN_TZ

from browser.conftest import sign_in
from factories import container

pytestmark = pytest.mark.browser


def _tomorrow_morning() -> str:
    moment = datetime.now(VN_TZ).replace(hour=8, minute=0) + timedelta(days=1)
    return moment.strftime("%Y-%m-%dT%H:%M")


def _fill_trip(page, plate: str, box: str) -> None:
    page.goto("/declarations/new")
    page.select_option("#f-gate_id", "huu-nghi")
    page.select_option("#f-direction", "export")
    page.fill("#f-expected_arrival", _tomorrow_morning())
    page.fill("#f-tractor_plate", plate)
    page.fill("#f-driver_name", "Nguyễn Văn An")
    page.fill("#f-containers", box)
    page.fill("[id='f-goods.0.hs_code']", "081060")
    page.fill("[id='f-goods.0.description']", "Fresh durian")
    page.fill("[id='f-goods.0.gross_kg']", "18000")
    page.fill("[id='f-goods.0.value']", "25000")
    page.check("input[name='goods.0.perishable']")


def test_driver_declares_a_trip_and_sees_it_listed(page):
    sign_in(page, "driver2")
    _fill_trip(page, "14C-246.80", container(421))
    page.click("#submit-declaration")
    page.wait_for_url("**/trips?created=*")
    expect(page.locator("body")).to_contain_text("14C-246.80")
    expect(page.locator("body")).to_contain_text("Hữu Nghị")


def test_bad_container_is_marked_inline_and_nothing_is_saved(page):
    sign_in(page, "driver2")
    _fill_trip(page, "14C-135.79", "CSQU3054384")  # check digit should be 3
    page.click("#submit-declaration")
    expect(page.locator(".banner")).to_contain_text("Nothing was saved")
    expect(page.locator("#declaration-form")).to_contain_text("check digit")
    # The form keeps what the driver typed, so only the container needs fixing.
    expect(page.locator("#f-tractor_plate")).to_have_value("14C-135.79")
    page.goto("/trips")
    expect(page.locator("body")).not_to_contain_text("14C-135.79")
