"""Input built to break things answers 422 naming the field over real HTTP, never a 500 and
never a quiet success: NUL characters, look-alike digits, numbers no column holds, nulls."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import make_url

from conftest import PG_ENV, pg_url

from factories import arrival, declaration
from servers import Server, fresh_postgres_database, start_server

NUL_MESSAGE = "must not contain a NUL character"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(request, tmp_path_factory) -> Iterator[Server]:
    """The shared demo server on SQLite, and one of its own on PostgreSQL, where a NUL byte
    or an id past the integer column used to end in a 500."""
    if request.param == "sqlite":
        yield request.getfixturevalue("server")
        return
    base = pg_url()
    if base is None:
        pytest.skip(f"the PostgreSQL run needs {PG_ENV} (CI sets it)")
    with fresh_postgres_database(base, f"{make_url(base).database}_hostile") as url:
        running = start_server(tmp_path_factory.mktemp("hostile"), database_url=url)
        try:
            yield running
        finally:
            running.stop()


def fields(answer: httpx.Response) -> dict[str, str]:
    """Each field a 422 names, with its message."""
    assert answer.status_code == 422, answer.text
    return {problem["field"]: problem["message"] for problem in answer.json()["detail"]}


def test_both_sign_ins_refuse_a_nul_by_name(target):
    api = httpx.post(
        f"{target.url}/api/v1/auth/token", data={"username": "driver1\x00", "password": "demo"}
    )
    assert fields(api) == {"username": NUL_MESSAGE}
    web = httpx.post(f"{target.url}/login", data={"username": "driver1", "password": "de\x00mo"})
    assert fields(web) == {"password": NUL_MESSAGE}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/gates/huu%00nghi",
        "/api/v1/gates/huu-nghi/rules?direction=export&x=%00",
        "/api/v1/hs?q=08%00",
        "/api/v1/suspensions?gate_id=%00",
        "/display/huu%00nghi",
    ],
)
def test_public_pages_refuse_a_nul_in_path_or_query(target, path):
    assert set(fields(httpx.get(f"{target.url}{path}")).values()) == {NUL_MESSAGE}


def test_a_nul_in_json_is_named_by_its_dotted_path(target):
    goods = [{**declaration()["goods"][0], "description": "durian\x00"}]
    with target.client("driver1") as http:
        answer = http.post("/api/v1/declarations", json=declaration(goods=goods))
    assert fields(answer) == {"goods.0.description": NUL_MESSAGE}


def test_ids_beyond_the_integer_column_are_422(target):
    with target.client("authority-vn") as http:
        answer = http.post(f"/api/v1/suspensions/{2**31}/lift")
    assert "suspension_id" in fields(answer)


def test_digits_of_other_scripts_are_refused_in_plates_and_containers(target):
    with target.client("driver1") as http:
        plate = http.post("/api/v1/declarations", json=declaration(tractor_plate="29H-433.8٥"))
        assert "U+0665" in fields(plate)["tractor_plate"]
        created = http.post("/api/v1/declarations", json=declaration()).json()
        for number in ("CSQU305438٣", "CSQU30543٨3"):
            added = http.post(
                f"/api/v1/declarations/{created['id']}/containers", json={"number": number}
            )
            assert "container numbers are written with" in fields(added)["number"]


def test_copy_refuses_null_for_what_the_new_trip_must_have(target):
    with target.client("driver1") as http:
        earlier = http.post("/api/v1/declarations", json=declaration()).json()
        copy = f"/api/v1/declarations/{earlier['id']}/copy"
        nulls = http.post(
            copy, json={"expected_arrival": arrival(48), "tractor_plate": None, "driver_name": None}
        )
        assert set(fields(nulls)) == {"tractor_plate", "driver_name"}
        assert "leave it out" in fields(nulls)["tractor_plate"]
        # A null trailer is a trip without one, as when amending; left out, it stays.
        no_trailer = http.post(copy, json={"expected_arrival": arrival(50), "trailer_plate": None})
        kept = http.post(copy, json={"expected_arrival": arrival(52)})
    assert no_trailer.status_code == 201 and no_trailer.json()["trailer_plate"] is None
    assert kept.status_code == 201 and kept.json()["trailer_plate"] == earlier["trailer_plate"]
