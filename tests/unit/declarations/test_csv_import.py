"""CSV bulk files: rows with one ref make one declaration; faults name their line."""

from smartgate.declarations import csv_import

from factories import arrival, container

HEADER = ",".join(csv_import.COLUMNS)


def _row(ref, hs="081060", kg="9000", plate="12C-123.45", box=None, **extra):
    values = {
        "ref": ref,
        "gate_id": "huu-nghi",
        "direction": "export",
        "tractor_plate": plate,
        "trailer_plate": "",
        "driver_name": "An",
        "driver_phone": "",
        "containers": box or container(1),
        "expected_arrival": arrival(),
        "hs_code": hs,
        "description": "durian",
        "gross_kg": kg,
        "value": "100",
        "currency": "USD",
        "perishable": "yes",
        "cold_chain": "",
        "production_input": "",
    } | extra
    return ",".join(values[c] for c in csv_import.COLUMNS)


def test_rows_sharing_a_ref_are_one_truck():
    parsed = csv_import.parse([HEADER, _row("T1"), _row("T1", hs="081090"), _row("T2")])
    assert parsed.errors == []
    assert [len(t.declaration.goods) for t in parsed.trips] == [2, 1]
    assert parsed.trips[0].lines == [2, 3]


def test_faults_name_line_and_column():
    parsed = csv_import.parse(
        [
            HEADER,
            _row("T1"),
            _row("T1", kg="-5"),
            _row("T2", box="CSQU3054384"),
            _row("T3", perishable="maybe"),
        ]
    )
    found = [(e.line, e.field) for e in parsed.errors]
    assert found == [(3, "gross_kg"), (4, "containers"), (5, "perishable")]
    assert "check digit" in str(parsed.errors[1])


def test_a_second_row_may_not_contradict_the_first():
    parsed = csv_import.parse([HEADER, _row("T1"), _row("T1", plate="14C-555.55")])
    assert [(e.line, e.field) for e in parsed.errors] == [(3, "tractor_plate")]


def test_missing_columns_are_named():
    parsed = csv_import.parse(["ref,gate_id", "T1,huu-nghi"])
    assert parsed.errors[0].line == 1
    assert "tractor_plate" in parsed.errors[0].message


def test_template_parses():
    parsed = csv_import.parse(csv_import.template().splitlines())
    assert [e.field for e in parsed.errors] in ([], ["expected_arrival"])
