"""The authority's tariff, the daily fee report and the yard board over real HTTP."""

import io
from datetime import UTC, datetime

from openpyxl import load_workbook

TARIFF = "/api/v1/gates/huu-nghi/tariff"


def test_the_authority_sets_a_gate_tariff_that_is_checked_and_logged(server):
    with server.client("driver1") as driver:
        shipped = driver.get(TARIFF)
        assert shipped.status_code == 200 and shipped.json()["source"] == "shipped"
        assert shipped.json()["tables"]["bands"][-1]["fee"] == 4_000_000
        assert driver.put(TARIFF, json={"round_to": 500}).status_code == 403
    with server.client("authority-vn") as authority:
        bands = [{"below_t": 10, "fee": 300_000}, {"fee": 200_000}]
        refused = authority.put(TARIFF, json={"bands": bands, "colour": "red"})
        assert refused.status_code == 422
        assert {e["field"] for e in refused.json()["detail"]} == {"bands.1.fee", "colour"}
        assert authority.get(TARIFF).json()["source"] == "shipped"  # nothing half-set

        bands[1]["fee"] = 3_000_000
        done = authority.put(TARIFF, json={"bands": bands})
        assert done.status_code == 200, done.text
        assert done.json()["source"] == "set in the app"
        assert done.json()["updated_by"] == "authority-vn"
        assert done.json()["tables"]["directions"]["import"] == 1.3  # kept from the default
        logged = authority.get("/api/v1/audit", params={"gate_id": "huu-nghi"}).json()
        change = [e for e in logged if e["subject"] == "tariff"][-1]
        assert change["action"] == "tariff.set" and len(change["before"]["bands"]) == 6
        assert change["after"]["bands"] == bands

        assert authority.delete(TARIFF).json()["source"] == "shipped"
        assert authority.get("/api/v1/gates/nowhere/tariff").status_code == 404


def test_the_daily_fee_report_downloads_as_csv_and_xlsx(server):
    params = {"gate_id": "huu-nghi", "date": datetime.now(UTC).date().isoformat()}
    with server.client("operator-huunghi") as operator:
        report = operator.get("/api/v1/fees/daily", params=params)
        assert report.status_code == 200 and report.json()["currency"] == "VND"
        csv = operator.get("/api/v1/fees/daily", params=params | {"format": "csv"})
        assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("exited,plate")
        xlsx = operator.get("/api/v1/fees/daily", params=params | {"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert next(sheet.iter_rows(values_only=True))[-1] == "declaration_id"
    with server.client("operator-mongcai") as other:
        assert other.get("/api/v1/fees/daily", params=params).status_code == 403


def test_the_yard_board_is_for_the_gate_operators_and_the_authority(server):
    with server.client("operator-huunghi") as operator:
        board = operator.get("/api/v1/gates/huu-nghi/yards")
        assert board.status_code == 200
        cold = next(y for y in board.json()["yards"] if y["code"] == "Y-COLD")
        assert (cold["capacity"], cold["level"]) == (60, "ok")
        move = {"declaration_id": "00000000-0000-0000-0000-000000000000", "action": "sideways"}
        refused = operator.post("/api/v1/gates/huu-nghi/yards/Y-COLD/moves", json=move)
        assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "action"
    with server.client("operator-mongcai") as other:
        assert other.get("/api/v1/gates/huu-nghi/yards").status_code == 403
    with server.client("driver1") as driver:
        assert driver.get("/api/v1/gates/huu-nghi/yards").status_code == 403
