"""Slots, passes, the waiting area and the authority's levers, driven in the browser.

The demo server is shared by the whole session, so each test declares its own trucks (plates
no other test uses) and never assumes an empty queue.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from smartgate.shared.clock import CN_TZ, VN_TZ

from browser.conftest import settled, sign_in
from factories import declaration, goods

pytestmark = pytest.mark.browser
MACHINERY = goods("847989", production_input=True)  # a priority class: called before most


def _declare(server, plate: str, **changes: Any) -> dict[str, Any]:
    with server.client("driver2") as http:
        answer = http.post("/api/v1/declarations", json=declaration(tractor_plate=plate, **changes))
        assert answer.status_code == 201, answer.text
        return answer.json()


def _open_all_day(server, gate_id: str, direction: str) -> None:
    # Both sides declare every hour of their today, so calling works whenever the tests run.
    with server.client("authority-vn") as http:
        for side, tz in (("VN", VN_TZ), ("CN", CN_TZ)):
            figure = {
                "direction": direction,
                "side": side,
                "trucks_per_hour": 60,
                "from_hour": 0,
                "to_hour": 24,
                "day": datetime.now(tz).date().isoformat(),
            }
            answer = http.put(f"/api/v1/gates/{gate_id}/capacity", json=figure)
            assert answer.status_code == 200, answer.text


def test_driver_books_a_slot_moves_it_and_opens_the_pass(page, server):
    plate = "29C-301.01"
    trip = _declare(server, plate)
    sign_in(page, "driver2")
    page.goto(f"/trips/{trip['id']}")
    page.locator("#slots button:enabled").first.click()
    expect(page.locator("#booking .ok")).to_contain_text("Slot booked")
    booked = page.locator("#current-booking").inner_text()

    page.locator("#slots button:enabled").first.click()
    expect(page.locator("#booking .ok")).to_contain_text("Booking moved")
    expect(page.locator("#current-booking")).not_to_have_text(booked)

    page.click("text=Show pass")
    expect(page.locator(".plate.huge")).to_have_text(plate)
    expect(page.locator(".pass-gate")).to_contain_text("Hữu Nghị")
    expect(page.locator(".qr svg")).to_be_visible()
    assert page.locator(".pass-code").inner_text().strip()


def test_a_second_trip_of_the_same_truck_is_refused_inline(page, server):
    plate = "29C-301.02"
    first, second = _declare(server, plate), _declare(server, plate)
    sign_in(page, "driver2")
    page.goto(f"/trips/{first['id']}")
    page.locator("#slots button:enabled").first.click()
    expect(page.locator("#booking .ok")).to_contain_text("Slot booked")

    page.goto(f"/trips/{second['id']}")
    page.locator("#slots button:enabled").first.click()
    expect(page.locator("#booking .banner")).to_contain_text("already holds booking")

    page.goto(f"/trips/{first['id']}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Cancel booking")
    expect(page.locator("#booking .ok")).to_contain_text("Booking cancelled")
    expect(page.locator("#current-booking")).to_have_count(0)


def test_operator_checks_in_and_calls_a_truck_and_the_display_shows_it(page, browser, server):
    plate = "29C-301.03"
    trip = _declare(server, plate, direction="import", goods=[MACHINERY])
    _open_all_day(server, "huu-nghi", "import")
    sign_in(page, "operator-huunghi")
    page.goto("/queue/huu-nghi?direction=import")
    page.fill("#f-code", trip["id"])
    page.click("#check-in button[type=submit]")
    expect(page.locator("#check-in .ok")).to_contain_text(plate)

    waiting = page.locator(f"#next-up tr[data-plate='{plate}']")
    expect(waiting).to_be_visible()
    ahead = int(waiting.locator(".position").inner_text())
    page.select_option("#f-count", str(min(ahead + 1, 10)))
    page.select_option("#f-lane", "1119-N1")
    page.click("#call-next-button")
    called = page.locator(f"#called tr[data-plate='{plate}']")
    expect(called).to_contain_text("1119-N1")

    screen = browser.new_context(base_url=server.url).new_page()  # nobody signed in
    screen.goto("/display/huu-nghi")
    expect(screen.locator("#called")).to_contain_text(plate)
    shown = screen.locator(f"#called tr[data-plate='{plate}']")
    expect(shown.locator(".direction")).to_contain_text("Nhập khẩu")  # both sides read it
    expect(shown.locator(".direction")).to_contain_text("进口")
    expect(shown.locator(".lane")).to_have_text("1119-N1")
    expect(screen.locator("header")).to_have_count(0)

    called.get_by_role("button", name="Crossed").click()
    expect(called).to_have_count(0)
    expect(screen.locator("#called")).not_to_contain_text(plate, timeout=12_000)
    screen.context.close()


def test_check_in_refusal_is_shown_by_the_form(page):
    sign_in(page, "operator-huunghi")
    page.goto("/queue/huu-nghi")
    page.fill("#f-code", "no-such-pass")
    page.click("#check-in button[type=submit]")
    expect(page.locator("#check-in .msg")).to_contain_text("no booking at huu-nghi")
    expect(page.locator("#f-code")).to_have_value("no-such-pass")
    page.goto("/queue/huu-nghi?lang=vi")  # the refusal in the reader's language
    page.fill("#f-code", "no-such-pass")
    page.click("#check-in button[type=submit]")
    expect(page.locator("#check-in .msg")).to_contain_text(
        "không có lịch hẹn nào tại huu-nghi có mã no-such-pass"
    )


def test_driver_status_shows_position_and_the_call(page, server):
    plate = "29C-301.04"
    trip = _declare(server, plate, direction="import", goods=[MACHINERY])
    _open_all_day(server, "huu-nghi", "import")
    with server.client("operator-huunghi") as operator:
        arrival = {"declaration_id": trip["id"]}
        answer = operator.post("/api/v1/queue/huu-nghi/arrivals", json=arrival)
        assert answer.status_code == 201, answer.text
    sign_in(page, "driver2")
    page.goto("/status")
    card = page.locator(".card", has_text=plate)
    expect(card.locator(".position")).to_have_text(str(answer.json()["position"]))
    expect(card.locator(".eta")).to_contain_text(":")

    with server.client("operator-huunghi") as operator:
        count = answer.json()["position"] + 1
        call = {"direction": "import", "count": count, "lane": "1088-N1"}
        assert operator.post("/api/v1/queue/huu-nghi/call-next", json=call).status_code == 200
    # The page polls every 15 s; no reload.
    expect(card.locator(".callout")).to_contain_text("1088-N1", timeout=20_000)
    notices = page.locator("#notices")
    expect(notices).to_contain_text(f"{plate}: go to the border to lane 1088-N1 now")
    page.goto("/status?lang=vi")  # the same notice in the reader's language
    expect(notices).to_contain_text(f"{plate}: mời vào cửa khẩu, làn 1088-N1, ngay")


def test_authority_suspends_cold_chain_then_lifts_it(page):
    reason = f"Cold store inspection {uuid.uuid4().hex[:6]}"
    sign_in(page, "authority-vn")
    page.goto("/authority/mong-cai")
    page.fill("#f-sus-reason", reason)
    page.check("#suspend-form input[value=cold_chain]")
    page.click("#suspend-form button[type=submit]")
    expect(page.locator("#suspensions .ok")).to_contain_text("Suspension added")
    listed = page.locator("#suspension-list tr", has_text=reason)
    expect(listed).to_contain_text("cold chain")

    listed.get_by_role("button", name="Lift").click()
    expect(page.locator("#suspensions .ok")).to_contain_text("Suspension lifted")
    expect(page.locator("#suspension-list tr", has_text=reason)).to_have_count(0)


def test_authority_forms_name_the_faulty_field(page):
    sign_in(page, "authority-vn")
    page.goto("/authority/mong-cai?lang=vi")
    page.fill("#f-sus-reason", "HS typo")
    page.fill("#f-sus-hs_prefixes", "0810 1")
    page.click("#suspend-form button[type=submit]")
    expect(page.locator("#err-sus-hs_prefixes")).to_contain_text("2:")
    expect(page.locator("#suspension-list tr", has_text="HS typo")).to_have_count(0)

    page.fill("#f-rules-live_every", "0")
    page.click("#rules-form button[type=submit]")
    expect(page.locator("#err-rules-live_every")).to_contain_text("tối thiểu là 1")  # vi page
    page.reload()
    expect(page.locator("#f-rules-live_every")).not_to_have_value("0")


def test_authority_declares_capacity_for_a_date_and_sees_the_table(page):
    day = (datetime.now(VN_TZ) + timedelta(days=30)).date()
    sign_in(page, "authority-vn")
    page.goto("/authority/mong-cai")
    table = page.locator("#capacity-table")
    # Choosing the direction or the date shows that day's table before anything is declared.
    page.select_option("#f-cap-direction", "import")
    expect(table.locator("caption")).to_contain_text("import")
    settled(page)
    page.fill("#f-cap-day", day.isoformat())
    expect(table.locator("caption")).to_contain_text(day.isoformat())
    page.select_option("#f-cap-side", "VN")
    page.fill("#f-cap-trucks_per_hour", "7")
    page.fill("#f-cap-from_hour", "9")
    page.fill("#f-cap-to_hour", "11")
    page.click("#capacity button[type=submit]")
    expect(page.locator("#capacity .ok")).to_contain_text("Capacity saved")
    expect(table.locator("caption")).to_contain_text(day.isoformat())
    expect(table.locator("tr", has_text="09:00")).to_contain_text("7")
    expect(table.locator("tr", has_text="11:00")).not_to_contain_text("7")


def test_wait_times_are_public_and_linked_from_the_header(page):
    page.goto("/?lang=en")
    page.click("header >> text=Wait times")
    expect(page.locator("#wait-times")).to_contain_text("Hữu Nghị")
    # A Chinese reader finds the gate by its Chinese name first.
    page.goto("/wait-times?lang=zh")
    first = page.locator("#wait-times a[href='/gates/huu-nghi']").first
    expect(first).to_have_text("友谊关")


def test_authority_simulates_the_next_hours_with_a_change_side_by_side(page, server):
    # A line at Móng Cái import: trucks waiting now, so the two futures differ.
    with server.client("operator-mongcai") as operator:
        for i in range(12):
            plate = f"14C-{900 + i:03d}.{uuid.uuid4().int % 100:02d}"
            trip = _declare(server, plate, gate_id="mong-cai", direction="import",
                            containers=[], goods=[goods("847989")])  # fmt: skip
            arrival = {"declaration_id": trip["id"]}
            answer = operator.post("/api/v1/queue/mong-cai/arrivals", json=arrival)
            assert answer.status_code == 201, answer.text
    sign_in(page, "authority-vn")
    page.goto("/authority/mong-cai?lang=en")
    page.select_option("#f-plan-direction", "import")
    page.fill("#f-plan-hours", "24")
    page.fill("#f-plan-capacity", "1")
    page.click("#plan-form button[type=submit]")
    result = page.locator("#plan-result")
    expect(result).to_contain_text("The next 24 hours")
    expect(result.locator("tr", has_text="Trucks crossing a day")).to_be_visible()
    waiting_at_end = result.locator("tr", has_text="Trucks waiting at the end").locator("td")
    as_now, changed = (int(waiting_at_end.nth(i).inner_text().replace(",", "")) for i in (1, 2))
    assert changed >= as_now, "one truck an hour leaves at least as many waiting"
    expect(page.locator("#plan svg polyline")).to_have_count(2)

    page.goto("/authority/mong-cai?lang=vi")  # a refusal names the field
    page.fill("#f-plan-backlog_hours", "1000")
    page.click("#plan-form button[type=submit]")
    expect(page.locator("#err-plan-backlog_hours")).to_contain_text("720")
    expect(page.locator("#plan-result")).to_have_count(0)


def test_the_display_says_any_lane_when_the_call_named_none(server):
    _open_all_day(server, "mong-cai", "export")
    plate = f"14C-{950 + uuid.uuid4().int % 40:03d}.{uuid.uuid4().int % 100:02d}"
    trip = _declare(server, plate, gate_id="mong-cai", containers=[], goods=[MACHINERY])
    with server.client("operator-mongcai") as operator:
        arrived = operator.post(
            "/api/v1/queue/mong-cai/arrivals", json={"declaration_id": trip["id"]}
        )
        assert arrived.status_code == 201, arrived.text
        called = []
        while plate not in called:  # trucks of other tests may be ahead of it
            answer = operator.post(
                "/api/v1/queue/mong-cai/call-next", json={"direction": "export", "count": 10}
            )
            assert answer.status_code == 200, answer.text
            assert answer.json(), "the truck was never called"
            called += [truck["plate"] for truck in answer.json()]
    with server.client() as anyone:
        screen = anyone.get("/display/mong-cai").text
    row = screen[screen.index(f'data-plate="{plate}"') :].split("</tr>")[0]
    assert "làn bất kỳ" in row and "任意车道" in row
    assert "Xuất khẩu" in row and "出口" in row


@pytest.mark.parametrize("lang", ["vi", "zh"])
def test_the_authority_page_and_its_plan_fit_a_phone(browser, server, lang):
    phone = browser.new_context(base_url=server.url, viewport={"width": 390, "height": 844})
    page = phone.new_page()
    sign_in(page, "authority-vn")
    page.goto(f"/authority/mong-cai?lang={lang}")
    page.fill("#f-plan-hours", "6")
    page.click("#plan-form button[type=submit]")
    expect(page.locator("#plan-result")).to_be_visible(timeout=30_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"/display/mong-cai?lang={lang}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
