"""Gate operations over real HTTP, as the issue's contract states them: camera events (201,
then 200 for a repeat), the review list, the timeline, inspections, the fee, the audit log and
the crossing log in JSON, CSV and xlsx."""

import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from factories import declaration

PLATE = "14C-987.65"


def _event(event_id: str, plate: str, **changes: object) -> dict[str, object]:
    return {
        "event_id": event_id,
        "camera_id": "cam-entrance",
        "gate_id": "huu-nghi",
        "point": "waiting_area_in",
        "lane": None,
        "at": datetime.now(UTC).isoformat(),
        "plate": plate,
        "confidence": 0.93,
        "containers": [],
    } | changes


def test_a_camera_read_checks_a_truck_in_once_and_the_trip_shows_where_it_is(server):
    arrival = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    with server.client("driver1") as driver:
        trip = driver.post(
            "/api/v1/declarations",
            json=declaration(tractor_plate=PLATE, expected_arrival=arrival),
        ).json()
    with server.client("camera-huunghi") as camera:
        first = camera.post("/api/v1/gate-events", json=_event("e2e-1", "14C98765"))
        assert first.status_code == 201, first.text
        body = first.json()
        assert body["status"] == "matched" and body["declaration_id"] == trip["id"]
        assert 0 < body["score"] <= 1
        repeat = camera.post("/api/v1/gate-events", json=_event("e2e-1", "14C98765"))
        assert repeat.status_code == 200 and repeat.json()["id"] == body["id"]
        # A camera reaches its event feed and nothing else.
        assert camera.get(f"/api/v1/declarations/{trip['id']}").status_code == 403
        bad = camera.post("/api/v1/gate-events", json=_event("e2e-2", "X", confidence=1.5))
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "confidence"
        other_gate = camera.post(
            "/api/v1/gate-events", json=_event("e2e-3", "X", gate_id="mong-cai")
        )
        assert other_gate.status_code == 403
    with server.client("driver1") as driver:
        assert driver.get(f"/api/v1/declarations/{trip['id']}").json()["status"] == "waiting"
        steps = driver.get(f"/api/v1/declarations/{trip['id']}/timeline").json()
        assert [s["status"] for s in steps] == ["waiting"]
        assert steps[0]["actor"] == "camera-huunghi"
        fee = driver.get(f"/api/v1/declarations/{trip['id']}/fee").json()
        assert fee["currency"] == "VND" and fee["amount"] > 0
        assert [line["item"] for line in fee["lines"]][0] == "weight_band"
        assert driver.get("/api/v1/audit").status_code == 403
    with server.client("operator-huunghi") as operator:
        logged = operator.get("/api/v1/audit", params={"declaration_id": trip["id"]}).json()
        assert [e["action"] for e in logged] == ["trip.waiting"]
        early = operator.post(
            f"/api/v1/declarations/{trip['id']}/inspections",
            json={"agency": "customs", "outcome": "pass", "note": ""},
        )
        assert early.status_code == 409 and "not waiting for inspection" in early.text
        unknown = operator.post(
            f"/api/v1/declarations/{trip['id']}/inspections",
            json={"agency": "police", "outcome": "pass", "note": ""},
        )
        assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "agency"


def test_an_unsure_read_is_listed_for_review_and_settled_in_one_call(server):
    with server.client("camera-huunghi") as camera:
        unsure = camera.post(
            "/api/v1/gate-events", json=_event("e2e-review", "99Z-000.01", confidence=0.3)
        ).json()
        assert unsure["status"] == "review" and unsure["declaration_id"] is None
        assert (
            camera.get("/api/v1/gate-events/review", params={"gate_id": "huu-nghi"}).status_code
            == 403
        )
    with server.client("operator-huunghi") as operator:
        listed = operator.get("/api/v1/gate-events/review", params={"gate_id": "huu-nghi"}).json()
        assert unsure["id"] in [r["id"] for r in listed]
        dismissed = operator.post(
            f"/api/v1/gate-events/{unsure['id']}/review", json={"declaration_id": None}
        )
        assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
        again = operator.post(
            f"/api/v1/gate-events/{unsure['id']}/review", json={"declaration_id": None}
        )
        assert again.status_code == 409


def test_the_crossing_log_downloads_as_csv_and_xlsx(server):
    today = datetime.now(UTC).date().isoformat()
    with server.client("authority-vn") as authority:
        params = {"gate_id": "huu-nghi", "date": today}
        assert isinstance(authority.get("/api/v1/crossings", params=params).json(), list)
        csv = authority.get("/api/v1/crossings", params=params | {"format": "csv"})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("plate,trailer_plate")
        xlsx = authority.get("/api/v1/crossings", params=params | {"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert next(sheet.iter_rows(values_only=True))[0] == "plate"
        bad = authority.get("/api/v1/crossings", params=params | {"date": "2026-13-01"})
        assert bad.status_code == 422
    with server.client("operator-mongcai") as other:
        assert other.get("/api/v1/crossings", params=params).status_code == 403


def test_a_camera_sends_its_buffered_reads_in_batches_each_stored_once(server):
    arrival = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    with server.client("driver1") as driver:
        trip = driver.post(
            "/api/v1/declarations",
            json=declaration(tractor_plate="14C-777.13", expected_arrival=arrival),
        ).json()
    sure = _event("e2e-batch-1", "14C77713", camera_id="cam-batch")
    unsure = _event("e2e-batch-2", "99Z-000.03", camera_id="cam-batch", confidence=0.3)
    later = _event("e2e-batch-3", "99Z-000.04", camera_id="cam-batch", confidence=0.3)
    with server.client("camera-huunghi") as camera:
        first = camera.post("/api/v1/gate-events/batch", json={"events": [sure, unsure, sure]})
        assert first.status_code == 200, first.text
        answers = first.json()["events"]
        assert [a["new"] for a in answers] == [True, True, False]
        assert answers[0]["status"] == "matched" and answers[0]["declaration_id"] == trip["id"]
        assert 0 < answers[0]["score"] <= 1 and answers[2]["id"] == answers[0]["id"]
        assert answers[1]["status"] == "review" and answers[1]["declaration_id"] is None
        again = camera.post("/api/v1/gate-events/batch", json={"events": [sure, unsure, later]})
        assert [a["new"] for a in again.json()["events"]] == [False, False, True]
        assert [a["id"] for a in again.json()["events"][:2]] == [a["id"] for a in answers[:2]]
        # One at a time, the same read answers as it always has: 200, and no `new`.
        single = camera.post("/api/v1/gate-events", json=sure)
        assert single.status_code == 200 and single.json()["id"] == answers[0]["id"]
        assert "new" not in single.json()

        bad = camera.post(
            "/api/v1/gate-events/batch",
            json={"events": [later, _event("e2e-batch-4", "X", confidence=1.5)]},
        )
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "events.1.confidence"
        elsewhere = camera.post(
            "/api/v1/gate-events/batch",
            json={"events": [later, _event("e2e-batch-5", "X", gate_id="mong-cai")]},
        )
        assert elsewhere.status_code == 403
        assert camera.post("/api/v1/gate-events/batch", json={"events": []}).status_code == 422
    with server.client("operator-huunghi") as operator:
        listed = operator.get("/api/v1/gate-events/review", params={"gate_id": "huu-nghi"}).json()
        assert [r["event_id"] for r in listed].count("e2e-batch-2") == 1
    with server.client("driver1") as driver:
        steps = driver.get(f"/api/v1/declarations/{trip['id']}/timeline").json()
        assert [s["status"] for s in steps] == ["waiting"]
