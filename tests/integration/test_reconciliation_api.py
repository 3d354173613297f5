"""The reconciliation over HTTP, on the app itself bound to the test's rolled-back database:
JSON, CSV and xlsx answers, the page in the reader's language, and 403 for every role but
the authority."""

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from test_exchange_reconciliation import DAY, crossings  # noqa: F401 - a fixture

from smartgate.api.app import create_app
from smartgate.exchange.reconciliation import ROW_COLUMNS

from factories import demo_settings

API = "/api/v1/exchange/reconciliation"


@pytest.fixture
def app(uow, tmp_path):
    """The app, its units of work inside the test's transaction."""
    made = create_app(demo_settings("sqlite://", key_file=tmp_path / "no.key"))
    made.state.session_factory = uow.session_factory
    return made


@pytest.fixture
def client(app) -> Iterator:
    def signed_in(username: str) -> TestClient:
        browser = TestClient(app, base_url="https://testserver")
        answer = browser.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
        assert answer.status_code == 200, answer.text
        browser.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        return browser

    yield signed_in


def test_the_report_answers_as_json_csv_and_xlsx(client, crossings) -> None:  # noqa: F811
    authority = client("authority-vn")
    params = {"date": DAY.isoformat(), "gate_id": "huu-nghi"}
    report = authority.get(API, params=params).json()
    assert report["counts"] == {
        "matched": 2, "times_differ": 1, "only_here": 1, "only_there": 1, "no_crossing": 1,
    }  # fmt: skip
    assert report["minutes"] == 30 and report["day"] == DAY.isoformat()
    assert {"category", "plate", "here_at", "there_at", "matched_by"} <= report["lines"][0].keys()
    assert authority.get(API, params=params | {"minutes": 180}).json()["counts"]["matched"] == 3
    totals = {(t["gate_id"], t["direction"]): t for t in report["totals"]}
    assert totals["huu-nghi", "export"] | {"tonnes_here": 0} == {
        "gate_id": "huu-nghi", "direction": "export", "trucks_here": 3, "tonnes_here": 0,
        "trucks_there": None, "tonnes_there": None,
    }  # fmt: skip
    assert report["their_statistics"] is False

    csv = authority.get(API, params=params | {"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert f"reconciliation-huu-nghi-{DAY}.csv" in csv.headers["content-disposition"]
    rows = csv.content.decode("utf-8-sig").splitlines()
    assert rows[0] == ",".join(ROW_COLUMNS) and len(rows) == 1 + 6
    assert sorted(row.split(",")[0] for row in rows[1:]) == sorted(
        ["matched", "matched", "times_differ", "only_here", "only_there", "no_crossing"]
    )

    xlsx = authority.get(API, params=params | {"format": "xlsx"})
    sheet = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert sheet[0] == ROW_COLUMNS and len(sheet) == 1 + 6
    assert {row[0] for row in sheet[1:]} == {
        "matched", "times_differ", "only_here", "only_there", "no_crossing",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("params", "status"),
    [({"date": "2026-13-01"}, 422), ({"minutes": 0}, 422), ({"gate_id": "nowhere"}, 404)],
)
def test_a_bad_question_is_refused(client, params, status) -> None:
    assert client("authority-vn").get(API, params=params).status_code == status


@pytest.mark.parametrize("username", ["operator-huunghi", "driver1", "forwarder1"])
def test_only_the_authority_reads_it(client, username) -> None:
    other = client(username)
    assert other.get(API).status_code == 403
    assert other.get(API, params={"format": "xlsx"}).status_code == 403
    assert other.get("/exchange/reconciliation").status_code == 403


def test_the_page_shows_the_counts_lines_and_sheet_in_the_readers_language(
    client,
    crossings,  # noqa: F811
) -> None:
    authority = client("authority-vn")
    page = authority.get("/exchange/reconciliation", params={"date": DAY.isoformat(), "lang": "vi"})
    assert page.status_code == 200
    assert "Đối chiếu với phía bên kia" in page.text and "lệch thời gian" in page.text
    assert page.text.count('<tr data-category="') == 6
    # Both sides' totals: this side's exports and imports at Hữu Nghị, the other side's not in.
    assert page.text.count('<tr data-gate="huu-nghi"') == 2
    assert "Chưa nhận được thống kê ngày này của phía bên kia." in page.text
    assert f'href="{API}?date={DAY}&amp;gate_id=&amp;minutes=30&amp;format=xlsx"' in page.text
    chinese = authority.get(
        "/exchange/reconciliation", params={"date": DAY.isoformat(), "lang": "zh"}
    )
    assert "与对方核对" in chinese.text and "仅对方记录" in chinese.text
