"""CSV bulk files: rows with one ref make one declaration; faults name their line."""

from datetime import UTC, datetime

from smartgate.declarations import csv_import
from smartgate.shared.errors import FieldError

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
        "containers": box or container(int(ref.removeprefix("T"))),
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


def test_template_parses_and_arrives_tomorrow():
    now = datetime(2026, 12, 5, 20, 30, tzinfo=UTC)  # 03:30 on the 6th in Viet Nam
    parsed = csv_import.parse(csv_import.template(now).splitlines())
    assert parsed.errors == []
    arrival = parsed.trips[0].declaration.expected_arrival
    assert arrival == datetime(2026, 12, 7, 1, tzinfo=UTC)  # 08:00 on the 7th, Viet Nam time


def test_a_faulty_row_is_still_checked_by_the_rules_on_its_other_fields():
    parsed = csv_import.parse([HEADER, _row("T1", plate="bad", hs="999999", kg="0")])
    trip = parsed.trips[0]
    assert trip.declaration is None  # never stored
    assert trip.checkable is not None and trip.checkable.goods[0].hs_code == "999999"
    found = [
        FieldError("goods.0.hs_code", "999999 is not an HS 2022 subheading"),
        FieldError("tractor_plate", "about the stand-in"),
        FieldError("goods", "total weight, from the stand-in weight"),
    ]
    assert [(e.line, e.field) for e in trip.faults(found)] == [(2, "hs_code")]


def test_a_container_on_two_trucks_of_the_file_is_a_fault_of_the_later_one():
    parsed = csv_import.parse([HEADER, _row("T1"), _row("T2", box=container(1)), _row("T3")])
    assert [(e.line, e.field) for e in parsed.errors] == [(3, "containers")]
    assert "also on line 2 (ref T1)" in parsed.errors[0].message
    assert [t.ref for t in parsed.trips if t.declaration] == ["T1", "T3"]


def test_a_container_may_come_back_on_a_later_day():
    later = _row("T2", box=container(1), expected_arrival=arrival(hours=24 + 30))
    assert csv_import.parse([HEADER, _row("T1"), later]).errors == []
