"""The main job end to end in the browser: a forwarder declares with a mistake and fixes it,
finds the trip, corrects a goods line, books and shows the pass; an operator checks the truck
in by its pass code typed in lower case, calls it and sees it cross; the trip then says what
happened and that nothing may change any more. Plus the pages a role may not open.

The demo server is shared by the whole session: the test declares its own truck (a plate no
other test uses) and never assumes an empty queue.
"""

import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from smartgate.shared.clock import CN_TZ, VN_TZ
from smartgate.web.i18n import translator

from browser.conftest import settled, sign_in

pytestmark = pytest.mark.browser


def _plate() -> str:
    n = uuid.uuid4().int
    return f"16C-{n % 1000:03d}.{n // 1000 % 100:02d}"


def _open_all_day(server, direction: str) -> None:
    with server.client("authority-vn") as http:
        for side, tz in (("VN", VN_TZ), ("CN", CN_TZ)):
            day = datetime.now(tz).date().isoformat()
            figure = {"direction": direction, "side": side, "trucks_per_hour": 60,
                      "from_hour": 0, "to_hour": 24, "day": day}  # fmt: skip
            answer = http.put("/api/v1/gates/huu-nghi/capacity", json=figure)
            assert answer.status_code == 200, answer.text


def _declare_with_a_mistake_then_fix_it(page, plate: str) -> None:
    page.goto("/declarations/new?lang=en")
    settled(page)
    page.select_option("#f-gate_id", "huu-nghi")
    page.select_option("#f-direction", "import")
    page.fill("#f-expected_arrival", datetime.now(VN_TZ).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-tractor_plate", plate)
    page.fill("#f-driver_name", "Trần Văn Chiến")
    line = page.locator("#goods-0")
    line.locator("[name='goods.0.hs_code']").fill("999999")  # no such subheading
    line.locator("[name='goods.0.description']").fill("Packing machine")
    line.locator("[name='goods.0.gross_kg']").fill("9000")
    line.locator("[name='goods.0.value']").fill("40000")
    line.locator("[name='goods.0.production_input']").check()
    page.click("#submit-declaration")
    expect(page.locator("#declaration-form .banner")).to_contain_text("Nothing was saved")
    expect(page.locator("#goods-0 .msg")).to_contain_text("999999")
    settled(page)

    hs = page.locator("[name='goods.0.hs_code']")
    hs.fill("84798")  # the nomenclature suggests the subheadings as it is typed
    expect(page.locator("#hs-codes option[value='847989']")).to_have_count(1)
    hs.fill("847989")
    page.click("#submit-declaration")
    expect(page.locator("[role=status]")).to_contain_text("Trip declared.")


def _find_the_trip(page, plate: str) -> str:
    page.fill("#q-plate", plate.replace("-", "").replace(".", "").lower())
    page.select_option("#q-direction", "import")
    page.click("#search-trips")
    expect(page.locator("#trip-count")).to_have_text("1 trip")
    assert "direction=import" in page.url
    page.locator("#trips").get_by_role("link", name="Details").click()
    expect(page.locator("h1")).to_contain_text(plate)
    return page.url.rsplit("/", 1)[-1]


def _correct_the_goods_line(page) -> None:
    expect(page.locator("#may-change")).to_be_visible()
    page.click("#edit-goods-1 summary")
    page.fill("#goods-1-gross_kg", "12000")
    page.locator("#edit-goods-1").get_by_role("button", name="Save goods line").click()
    expect(page.locator("#change-done")).to_have_text("Goods line 1 saved.")
    history = page.locator("#history")
    expect(history).to_contain_text("Goods line 1 changed")
    expect(history).to_contain_text("gross weight 9,000 kg")
    expect(history).to_contain_text("gross weight 12,000 kg")
    expect(history).not_to_contain_text("{")


def _book_and_show_the_pass(page, plate: str) -> str:
    expect(page.locator("#booking[hx-trigger]")).to_have_count(0)  # the slot table is in
    slot = page.locator("#slots button:enabled").first
    if not slot.count():
        pytest.skip("the gate has no slot left this hour (closed now): a booked truck waits")
    slot.click()
    expect(page.locator("#booking .ok")).to_contain_text("Slot booked")
    page.click("text=Show pass")
    expect(page.locator(".plate.huge")).to_have_text(plate)
    code = page.locator(".pass-code").inner_text().strip()
    assert code and code == code.upper()
    return code


def _check_in_call_and_cross(page, plate: str, code: str) -> None:
    sign_in(page, "operator-huunghi")
    assert page.url.endswith("/queue/huu-nghi"), page.url  # an operator lands on the board
    page.click(".tabs >> text=import")
    settled(page)
    page.fill("#f-code", code.lower())
    page.locator("#check-in").get_by_role("button", name="Check in").click()
    expect(page.locator("#check-in .ok")).to_contain_text(plate)

    page.select_option("#f-count", "10")
    called = page.locator(f"#called tr[data-plate='{plate}']")
    for _ in range(20):  # trucks of other tests may be ahead of it
        page.click("#call-next-button")
        expect(page.locator("#call-next .ok, #call-next .banner")).to_have_count(1)
        expect(page.locator("#check-in .ok")).to_have_count(0)  # one message at a time
        page.wait_for_timeout(300)
        if called.count():
            break
    expect(called).to_be_visible()
    expect(called).to_contain_text("any lane")

    display = page.context.new_page()
    display.goto("/display/huu-nghi")
    row = display.locator(f"#called tr[data-plate='{plate}']")
    expect(row.locator(".direction")).to_contain_text(translator("vi")("import"))
    expect(row.locator(".lane")).to_contain_text(translator("zh")("any lane"))
    display.close()

    called.get_by_role("button", name="Crossed").click()
    expect(called).to_have_count(0)


def _inspected_and_across(server, trip_id: str, plate: str) -> None:
    with server.client("operator-huunghi") as operator:
        for agency in ("customs", "border_guard"):  # machinery: no quarantine
            decision = {"agency": agency, "outcome": "pass", "note": ""}
            answer = operator.post(f"/api/v1/declarations/{trip_id}/inspections", json=decision)
            assert answer.status_code == 201, answer.text
    read = {"event_id": f"everyday-{uuid.uuid4().hex[:10]}", "camera_id": "cam-zero",
            "gate_id": "huu-nghi", "point": "zero_line", "lane": "1119-N1",
            "at": datetime.now(UTC).isoformat(), "plate": plate, "confidence": 0.97,
            "containers": []}  # fmt: skip
    with server.client("camera-huunghi") as camera:
        answer = camera.post("/api/v1/gate-events", json=read)
        assert answer.status_code == 201 and answer.json()["status"] == "matched", answer.text


def test_a_forwarder_declares_fixes_amends_books_and_the_truck_crosses(page, server):
    _open_all_day(server, "import")
    plate = _plate()
    sign_in(page, "forwarder1")
    assert page.url.endswith("/trips"), page.url
    _declare_with_a_mistake_then_fix_it(page, plate)
    trip_id = _find_the_trip(page, plate)
    _correct_the_goods_line(page)
    code = _book_and_show_the_pass(page, plate)

    page.context.clear_cookies()
    _check_in_call_and_cross(page, plate, code)
    _inspected_and_across(server, trip_id, plate)

    page.context.clear_cookies()
    sign_in(page, "forwarder1")
    page.goto(f"/trips/{trip_id}?lang=en")
    expect(page.locator("#trip-status")).to_contain_text("crossed the border")
    for status in ("booked", "waiting", "called", "at_gate", "cleared", "exited"):
        expect(page.locator(f"#timeline li[data-status={status}]")).to_have_count(1)
    expect(page.locator("#why-fixed")).to_contain_text("The truck has crossed the border.")
    expect(page.locator("#edit-goods-1")).to_have_count(0)  # no form for what cannot change
    expect(page.locator("#history")).to_contain_text("Goods line 1 changed")


def test_a_trip_is_cancelled_on_its_page_and_says_why_nothing_changes_now(page, server):
    plate = _plate()
    sign_in(page, "forwarder1")
    _declare_with_a_mistake_then_fix_it(page, plate)
    _find_the_trip(page, plate)
    page.select_option("#f-delivery_mode", "tractor_swap")
    page.get_by_role("button", name="Save delivery mode").click()
    expect(page.locator("#change-done")).to_have_text("Delivery mode saved.")
    expect(page.locator("#history")).to_contain_text("delivery mode: tractor swap")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel trip").click()
    expect(page.locator("#change-done")).to_have_text("Trip cancelled.")
    expect(page.locator("#trip-status")).to_contain_text("cancelled")
    expect(page.locator("#why-fixed")).to_contain_text("This trip is cancelled.")
    expect(page.locator("#why-fixed a")).to_have_attribute(
        "href", "/declarations/new?from=" + page.url.rsplit("/", 1)[-1]
    )


@pytest.mark.parametrize(
    ("username", "path", "status", "back"),
    [
        ("forwarder1", "/authority/huu-nghi", 403, "/trips"),
        ("driver1", "/authority", 403, "/trips"),
        ("operator-huunghi", "/authority/huu-nghi", 403, "/queue/huu-nghi"),
        ("operator-huunghi", "/declarations/new", 403, "/queue/huu-nghi"),
        ("driver1", "/queue/huu-nghi", 403, "/trips"),
        ("driver1", f"/trips/{uuid.UUID(int=0)}", 404, "/trips"),
        ("driver1", "/no/such/page", 404, "/trips"),
    ],
)
def test_a_page_a_role_may_not_open_is_a_page_in_its_language(page, username, path, status, back):
    sign_in(page, username)
    answer = page.goto(f"{path}?lang=vi")
    assert answer is not None and answer.status == status
    assert answer.headers["content-type"].startswith("text/html")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text(
        "Không được phép" if status == 403 else "Không tìm thấy"
    )
    expect(page.locator("#way-back a.button")).to_have_attribute("href", back)
    expect(page.locator("form[action*='/capacity']")).to_have_count(0)


def test_the_api_keeps_answering_refusals_in_json(page):
    sign_in(page, "driver1")
    answer = page.request.get(f"/api/v1/declarations/{uuid.UUID(int=0)}")
    assert answer.status == 404 and "does not exist" in answer.json()["detail"]
    assert page.request.get("/api/v1/no/such/path").json() == {"detail": "Not Found"}
