"""A trip past the call, driven in the browser: the agencies' desk, the trip's timeline, its
receipt, the review of camera reads and the yard board, in each language (on a phone:
test_phone.py).

The demo server is shared by the whole session: each test declares its own trucks (plates no
other test uses) and looks only at them.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from smartgate.shared.clock import CN_TZ, VN_TZ

from browser.conftest import sign_in
from factories import declaration, goods

pytestmark = pytest.mark.browser
MACHINERY = goods("847989", production_input=True)  # customs and border guard, no quarantine


def _plate() -> str:
    n = uuid.uuid4().int
    return f"15C-{n % 1000:03d}.{n // 1000 % 100:02d}"


def _declare(server, plate: str, **changes: Any) -> dict[str, Any]:
    body = declaration(tractor_plate=plate, direction="import", containers=[], goods=[MACHINERY])
    with server.client("driver1") as http:
        answer = http.post("/api/v1/declarations", json=body | changes)
        assert answer.status_code == 201, answer.text
        return answer.json()


def _at_the_gate(server, plate: str) -> dict[str, Any]:
    """A trip checked in, called and through the gate (trucks of other tests may be ahead)."""
    trip = _declare(server, plate)
    with server.client("authority-vn") as authority:
        for side, tz in (("VN", VN_TZ), ("CN", CN_TZ)):
            day = datetime.now(tz).date().isoformat()
            figure = {"direction": "import", "side": side, "trucks_per_hour": 60,
                      "from_hour": 0, "to_hour": 24, "day": day}  # fmt: skip
            answer = authority.put("/api/v1/gates/huu-nghi/capacity", json=figure)
            assert answer.status_code == 200, answer.text
    with server.client("operator-huunghi") as operator:
        entry = operator.post(
            "/api/v1/queue/huu-nghi/arrivals", json={"declaration_id": trip["id"]}
        )
        assert entry.status_code == 201, entry.text
        called: list[str] = []
        while trip["id"] not in called:
            answer = operator.post(
                "/api/v1/queue/huu-nghi/call-next", json={"direction": "import", "count": 10}
            )
            assert answer.status_code == 200 and answer.json(), answer.text
            called += [truck["declaration_id"] for truck in answer.json()]
        crossed = operator.post(f"/api/v1/queue/huu-nghi/entries/{entry.json()['id']}/crossed")
        assert crossed.status_code == 200, crossed.text
    return trip


def _read(server, plate: str, confidence: float, point: str = "waiting_area_in",
          lane: str | None = None) -> dict[str, Any]:  # fmt: skip
    event = {"event_id": f"browser-{uuid.uuid4().hex[:10]}", "camera_id": f"cam-{point}",
             "gate_id": "huu-nghi", "point": point, "lane": lane,
             "at": datetime.now(UTC).isoformat(), "plate": plate, "confidence": confidence,
             "containers": []}  # fmt: skip
    with server.client("camera-huunghi") as camera:
        answer = camera.post("/api/v1/gate-events", json=event)
        assert answer.status_code == 201, answer.text
        return answer.json()


def _unsure_read(server, plate: str, confidence: float = 0.3) -> dict[str, Any]:
    read = _read(server, plate, confidence)
    assert read["status"] == "review", read
    return read


def test_customs_and_border_guard_clear_a_truck_at_the_desk_and_the_receipt_shows_it(page, server):
    plate = _plate()
    trip = _at_the_gate(server, plate)
    sign_in(page, "operator-huunghi")
    page.click("header >> text=Inspection desk")
    expect(page.locator("#agencies a.on")).to_have_text("Customs")
    card = page.locator(f"#desk article[data-plate='{plate}']")
    expect(card.locator("[data-agency=border_guard]")).to_contain_text("not decided yet")
    expect(card.locator(".goods")).to_contain_text("847989")
    card.locator("textarea[name=note]").fill("papers in order")
    card.get_by_role("button", name="Pass").click()
    expect(page.locator("#desk-result")).to_contain_text(f"{plate}: Customs – passed")
    expect(card).to_have_count(0)  # customs is done with it

    page.click("#agencies >> text=Border guard")
    card = page.locator(f"#desk article[data-plate='{plate}']")
    expect(card.locator("[data-agency=customs]")).to_contain_text("passed")
    expect(card.locator("[data-agency=customs]")).to_contain_text("papers in order")
    expect(card.locator("[data-agency=quarantine]")).to_have_count(0)  # machinery: HS 84
    card.get_by_role("button", name="Pass").click()
    expect(page.locator("#desk-result")).to_contain_text("cleared")

    page.goto(f"/trips/{trip['id']}")
    expect(page.locator("#trip-status")).to_contain_text("cleared")
    timeline = page.locator("#timeline")
    for status in ("waiting", "called", "at_gate", "inspection", "cleared"):
        expect(timeline.locator(f"li[data-status={status}]")).to_have_count(1)
    expect(timeline.locator("li[data-status=cleared]")).to_contain_text("inspection desk")
    expect(page.locator("#inspections")).to_contain_text("papers in order")

    page.click("#fee >> text=Receipt")
    expect(page.locator(".receipt-title")).to_have_text("Border-gate fee receipt")
    expect(page.locator("#receipt-number")).to_have_text(trip["id"])
    expect(page.locator("#fee-total")).to_contain_text("₫")
    expect(page.locator("#fee-lines")).to_contain_text("× 1.3")  # an import
    expect(page.locator("#exited-at")).to_have_count(0)

    crossed = _read(server, plate, 0.97, point="zero_line", lane="1119-N1")
    assert crossed["status"] == "matched", crossed
    page.goto(f"/trips/{trip['id']}/receipt?lang=vi")  # the reader's way of writing money
    expect(page.locator("#fee-lines")).to_contain_text("× 1,3")
    assert page.locator("#fee-total").inner_text().strip().endswith("₫")
    expect(page.locator("#exited-at")).to_contain_text("UTC+7")


def test_a_refusal_at_the_desk_is_shown_in_the_readers_language(page, server):
    plate = _plate()
    trip = _at_the_gate(server, plate)
    sign_in(page, "operator-huunghi")
    page.goto("/desk/huu-nghi?agency=customs&lang=vi")
    card = page.locator(f"#desk article[data-plate='{plate}']")
    expect(card).to_be_visible()
    with server.client("operator-huunghi") as operator:  # a colleague fails it meanwhile
        failed = operator.post(
            f"/api/v1/declarations/{trip['id']}/inspections",
            json={"agency": "border_guard", "outcome": "fail", "note": "forged seal"},
        )
        assert failed.status_code == 201, failed.text
    card.get_by_role("button", name="Đạt", exact=True).click()
    expect(page.locator("#desk-refusal")).to_contain_text("Chưa lưu gì.")
    expect(page.locator("#desk-refusal")).to_contain_text("bị từ chối")
    expect(card).to_have_count(0)

    answer = page.goto("/desk/huu-nghi?agency=police&lang=zh")
    assert answer is not None and answer.status == 422
    expect(page.locator("#refusal .field-name")).to_have_text("查验机构")
    expect(page.locator("#refusal")).to_contain_text("必须是以下之一")


def test_a_driver_and_an_officer_of_another_agency_are_refused(page, server):
    sign_in(page, "driver1")
    answer = page.goto("/desk/huu-nghi?agency=customs&lang=vi")
    assert answer is not None and answer.status == 403
    expect(page.locator("h1")).to_have_text("Không được phép")
    expect(page.locator("#refusal")).to_contain_text("chỉ cán bộ hải quan của huu-nghi")
    answer = page.goto("/review/huu-nghi")
    assert answer is not None and answer.status == 403
    expect(page.locator("header")).not_to_contain_text("Bàn kiểm tra")  # not in a driver's menu

    officer = f"customs-{uuid.uuid4().hex[:6]}"
    server.add_user(officer, "operator", "Customs officer", "a-long-enough-password",
                    "--gate", "huu-nghi", "--agency", "customs")  # fmt: skip
    page.context.clear_cookies()
    sign_in(page, officer, "a-long-enough-password")
    page.goto("/desk/huu-nghi?lang=en")
    expect(page.locator("#agencies a:not([href^='/review'])")).to_have_text(["Customs"])
    answer = page.goto("/desk/huu-nghi?agency=quarantine&lang=en")
    assert answer is not None and answer.status == 403
    expect(page.locator("#refusal")).to_contain_text(
        "only an operator of huu-nghi in quarantine works at its desk"
    )


def test_the_authority_looks_at_the_desk_without_deciding(page, server):
    plate = _plate()
    _at_the_gate(server, plate)
    sign_in(page, "authority-vn")
    page.goto("/desk/huu-nghi?agency=border_guard&lang=en")
    expect(page.locator("#read-only")).to_be_visible()
    card = page.locator(f"#desk article[data-plate='{plate}']")
    expect(card).to_be_visible()
    expect(card.locator("form")).to_have_count(0)


def test_the_operator_confirms_a_candidate_and_dismisses_a_stray_read(page, server):
    plate = _plate()
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    trip = _declare(server, plate, expected_arrival=soon)
    unsure = _unsure_read(server, plate.replace("-", "").replace(".", ""))
    stray = _unsure_read(server, f"99Z-{uuid.uuid4().int % 1000:03d}.00", confidence=0.2)
    sign_in(page, "operator-huunghi")
    page.click("header >> text=Camera review")
    read = page.locator(f"#read-{unsure['id']}")
    expect(read).to_contain_text("waiting area entrance")
    candidate = read.locator(f"tr[data-candidate='{plate}']")
    expect(candidate).to_contain_text("%")
    candidate.get_by_role("button", name="Confirm").click()
    expect(page.locator("#review-result")).to_contain_text("read confirmed")
    expect(read).to_have_count(0)
    with server.client("driver1") as driver:
        status = driver.get(f"/api/v1/declarations/{trip['id']}").json()["status"]
        assert status == "waiting"

    page.goto("/review/huu-nghi?lang=vi")  # a typed plate no trip has: named by the field
    other = page.locator(f"#read-{stray['id']}")
    other.locator("input[name=trip]").fill("77A-000.00")
    other.locator("form.typed button").click()
    expect(page.locator(f"#err-trip-{stray['id']}")).to_contain_text("không có chuyến xe nào")
    expect(other.locator("input[name=trip]")).to_have_value("77A-000.00")
    other.get_by_role("button", name="Bỏ qua: không thuộc chuyến nào").click()
    expect(page.locator("#review-result")).to_contain_text("đã bỏ qua lượt đọc")
    expect(other).to_have_count(0)


def test_the_yard_board_shows_a_camera_read_by_itself_and_the_operator_moves_a_truck_out(
    page, server
):
    plate = _plate()
    trip = _at_the_gate(server, plate)
    sign_in(page, "operator-huunghi")
    page.click("header >> text=Yard board")
    expect(page).to_have_url(f"{server.url}/yards/huu-nghi")
    cold = page.locator("#yard-Y-COLD")
    expect(cold.locator(f"tr[data-plate='{plate}']")).to_have_count(0)

    read = _read(server, plate, 0.97, point="yard_in", lane="Y-COLD")
    assert read["status"] == "matched", read
    # No reload: the board asks again every 5 seconds.
    expect(cold.locator(f"tr[data-plate='{plate}']")).to_have_count(1, timeout=12_000)
    expect(cold.locator(f"tr[data-plate='{plate}']")).to_contain_text("in the yard")

    cold.locator(f"tr[data-plate='{plate}']").get_by_role("button", name="Left the yard").click()
    expect(page.locator("#move-result")).to_contain_text(f"{plate}: left yard Y-COLD")
    expect(page.locator(f"#yard-Y-COLD tr[data-plate='{plate}']")).to_have_count(0)

    page.fill("#f-trip", plate)
    page.select_option("#f-yard", "Y-1120-N")
    page.select_option("#f-action", "in")
    page.click("#yard-move >> text=Record")
    expect(page.locator("#move-result")).to_contain_text(f"{plate}: entered yard Y-1120-N")
    expect(page.locator(f"#yard-Y-1120-N tr[data-plate='{plate}']")).to_have_count(1)

    page.fill("#f-trip", "77A-000.00")
    page.click("#yard-move >> text=Record")
    expect(page.locator("#move-refusal")).to_contain_text("no trip on its way")
    with server.client("operator-huunghi") as operator:
        steps = operator.get(f"/api/v1/declarations/{trip['id']}/timeline").json()
    assert [s["status"] for s in steps][-1] == "in_yard"
