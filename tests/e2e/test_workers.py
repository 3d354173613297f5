"""Several server processes answer alike: each keeps its own waiting areas in memory and
rebuilds them when another process changed the database."""

import httpx
import pytest

from factories import declaration
from servers import start_server

GATE = "huu-nghi"


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("workers"), workers=2)
    yield running
    running.stop()


def _positions(server, token: str, entry_id: str, tries: int = 12) -> set[int | None]:
    # A fresh connection each time, so the kernel hands the requests to both workers.
    found = set()
    for _ in range(tries):
        with httpx.Client(base_url=server.url, timeout=30) as http:
            answer = http.get(
                f"/api/v1/queue-entries/{entry_id}", headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status_code == 200, answer.text
            found.add(answer.json()["position"])
    return found


def test_every_worker_sees_the_same_line_after_each_change(two_workers):
    with two_workers.client("driver1") as driver:
        trips = [
            driver.post("/api/v1/declarations", json=declaration(tractor_plate=f"12C-777.0{i}"))
            for i in range(3)
        ]
    assert all(t.status_code == 201 for t in trips), [t.text for t in trips]
    with two_workers.client("operator-huunghi") as operator:
        entries = [
            operator.post(
                f"/api/v1/queue/{GATE}/arrivals", json={"declaration_id": t.json()["id"]}
            ).json()
            for t in trips
        ]
        token = two_workers.token("driver1")
        last = entries[-1]["id"]
        assert _positions(two_workers, token, last) == {2}
        gone = operator.post(f"/api/v1/queue/{GATE}/entries/{entries[0]['id']}/left")
        assert gone.status_code == 200, gone.text
        assert _positions(two_workers, token, last) == {1}
