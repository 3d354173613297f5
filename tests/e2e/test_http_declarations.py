"""The declaration API over real HTTP, as clients and other issues rely on it."""

from factories import container, declaration


def test_health_and_public_registry(server):
    with server.client() as http:
        assert http.get("/healthz").json()["status"] == "ok"
        gates = http.get("/api/v1/gates").json()
        assert {g["id"] for g in gates} == {
            "huu-nghi",
            "tan-thanh",
            "chi-ma",
            "coc-nam",
            "mong-cai",
        }
        huu_nghi = http.get("/api/v1/gates/huu-nghi").json()
        assert huu_nghi["name_zh"] == "友谊关"
        assert {r["id"] for r in huu_nghi["roads"]} == {"1119-1120", "1088-2-1089"}
        assert huu_nghi["opening_hours"]["cn"]["opens"] == "08:00:00+08:00"
        assert http.get("/api/v1/gates/nowhere").status_code == 404
        assert http.get("/api/v1/hs", params={"q": "durian"}).json()["items"][0]["code"] == "081060"


def test_contract_declaration_is_created(server):
    with server.client("driver1") as http:
        answer = http.post("/api/v1/declarations", json=declaration())
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["id"] and body["tractor_plate"] == "12C-123.45"
        assert (
            http.get(f"/api/v1/declarations/{body['id']}").json()["goods"][0]["hs_code"] == "081060"
        )


def test_422_names_the_field_and_reason_and_saves_nothing(server):
    with server.client("driver1") as http:
        before = http.get("/api/v1/declarations", params={"limit": 1}).json()["total"]
        answer = http.post("/api/v1/declarations", json=declaration(containers=["CSQU3054384"]))
        assert answer.status_code == 422
        problem = answer.json()["detail"][0]
        assert problem["field"] == "containers.0"
        assert "check digit" in problem["message"]
        answer = http.post(
            "/api/v1/declarations",
            json=declaration(
                tractor_plate="12R-123.45",
                goods=[{"hs_code": "081060", "description": "x", "gross_kg": 70000, "value": 1}],
            ),
        )
        fields = {p["field"] for p in answer.json()["detail"]}
        assert answer.status_code == 422 and {"tractor_plate", "goods.0.gross_kg"} <= fields
        assert http.get("/api/v1/declarations", params={"limit": 1}).json()["total"] == before


def test_someone_elses_trip_is_404_and_officials_are_scoped(server):
    with server.client("driver1") as driver1:
        created = driver1.post("/api/v1/declarations", json=declaration()).json()
    with server.client("driver2") as driver2:
        assert driver2.get(f"/api/v1/declarations/{created['id']}").status_code == 404
    with server.client("operator-huunghi") as operator:
        assert operator.get(f"/api/v1/declarations/{created['id']}").status_code == 200
        assert operator.post("/api/v1/declarations", json=declaration()).status_code == 403
    with server.client() as anonymous:
        assert anonymous.get("/api/v1/declarations").status_code == 401


def test_amend_line_and_container_then_read_history(server):
    with server.client("forwarder1") as http:
        created = http.post(
            "/api/v1/declarations", json=declaration(containers=[container(11)])
        ).json()
        base = f"/api/v1/declarations/{created['id']}"
        answer = http.patch(f"{base}/goods/1", json={"gross_kg": 17500})
        assert answer.status_code == 200 and answer.json()["goods"][0]["gross_kg"] == 17500
        answer = http.patch(f"{base}/containers/{container(11)}", json={"number": container(12)})
        assert answer.json()["containers"] == [container(12)]
        assert http.patch(f"{base}/goods/9", json={"gross_kg": 1}).status_code == 404
        assert http.patch(f"{base}/goods/1", json={}).status_code == 422
        history = http.get(f"{base}/history").json()
        assert [h["action"] for h in history] == ["created", "goods.amended", "container.amended"]
        assert history[1]["before"] == {"gross_kg": 18000.0} and history[1]["actor"] == "forwarder1"


def test_bulk_with_one_bad_truck_saves_none(server):
    with server.client("forwarder1") as http:
        before = http.get("/api/v1/declarations", params={"limit": 1}).json()["total"]
        bad = declaration(containers=["CSQU3054384"])
        answer = http.post("/api/v1/declarations/bulk", json={"declarations": [declaration(), bad]})
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["field"] == "declarations.1.containers.0"
        answer = http.post(
            "/api/v1/declarations/bulk", json={"declarations": [declaration(), declaration()]}
        )
        assert answer.status_code == 201 and len(answer.json()["created"]) == 2
        assert http.get("/api/v1/declarations", params={"limit": 1}).json()["total"] == before + 2


def test_copy_an_earlier_declaration(server):
    with server.client("driver1") as http:
        created = http.post("/api/v1/declarations", json=declaration()).json()
        answer = http.post(
            f"/api/v1/declarations/{created['id']}/copy",
            json={"expected_arrival": declaration()["expected_arrival"]},
        )
        assert answer.status_code == 201
        assert answer.json()["copied_from"] == created["id"]


def test_bad_credentials_are_401(server):
    with server.client() as http:
        answer = http.post("/api/v1/auth/token", data={"username": "driver1", "password": "wrong"})
        assert answer.status_code == 401
        answer = http.get("/api/v1/declarations", headers={"Authorization": "Bearer nonsense"})
        assert answer.status_code == 401
