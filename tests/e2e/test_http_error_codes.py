"""API refusals keep their English and add a stable `code` with its `params`, so that
clients can word them in their reader's language as the pages do."""

import uuid

from factories import declaration


def test_a_field_error_names_its_code_and_values(server):
    with server.client("driver1") as http:
        answer = http.post(
            "/api/v1/declarations",
            json=declaration(
                containers=["CSQU3054384"],
                goods=[{"hs_code": "081060", "description": "x", "gross_kg": 70000, "value": 1}],
            ),
        )
    assert answer.status_code == 422
    found = {p["field"]: p for p in answer.json()["detail"]}
    box = found["containers.0"]
    assert box["message"] == box["msg"] == "check digit should be 3, not 4"
    assert box["code"] == "check_digit_should_be_expected_not_found"
    assert box["params"] == {"expected": 3, "found": "4"}
    heavy = found["goods.0.gross_kg"]
    assert heavy["message"] == "Input should be less than or equal to 60000"  # Pydantic's
    assert (heavy["code"], heavy["params"]) == ("less_than_equal", {"limit": 60000})


def test_a_refusal_names_its_code_and_values(server):
    missing = uuid.uuid4()
    with server.client("driver1") as http:
        answer = http.get(f"/api/v1/declarations/{missing}")
        assert answer.status_code == 404
        assert answer.json() == {
            "detail": f"declaration {missing} does not exist",
            "code": "declaration_id_does_not_exist",
            "params": {"id": str(missing)},
        }
        capacity = {"direction": "export", "trucks_per_hour": 5, "from_hour": 7, "to_hour": 9}
        refused = http.put("/api/v1/gates/huu-nghi/capacity", json=capacity)
    assert refused.status_code == 403
    assert refused.json()["code"] == (
        "only_the_border_authority_sets_capacity_suspensions_and_gate_rules"
    )
