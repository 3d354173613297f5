"""Many trucks from one CSV file: rows sharing a `ref` form one declaration, one goods line each."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from smartgate.declarations.schemas import DeclarationCreate
from smartgate.shared.validation import field_errors

TRIP_COLUMNS = (
    "gate_id",
    "direction",
    "tractor_plate",
    "trailer_plate",
    "driver_name",
    "driver_phone",
    "containers",
    "expected_arrival",
)
LINE_COLUMNS = (
    "hs_code",
    "description",
    "gross_kg",
    "value",
    "currency",
    "perishable",
    "cold_chain",
    "production_input",
)
COLUMNS = ("ref", *TRIP_COLUMNS, *LINE_COLUMNS)
REQUIRED = {
    "ref",
    "gate_id",
    "direction",
    "tractor_plate",
    "driver_name",
    "expected_arrival",
    "hs_code",
    "description",
    "gross_kg",
    "value",
}
_TRUE = {"1", "true", "yes", "y", "x", "có", "是"}
_FALSE = {"", "0", "false", "no", "n", "không", "否"}


@dataclass(frozen=True)
class RowError:
    """A fault found at a line of the file (the header is line 1)."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class Trip:
    """The rows of one `ref` and the declaration they make."""

    ref: str
    lines: list[int] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    declaration: DeclarationCreate | None = None

    def line_of(self, path: str) -> int:
        """The file line a field path of this declaration came from."""
        parts = path.split(".")
        if parts[0] == "goods" and len(parts) > 1 and parts[1].isdigit():
            return self.lines[int(parts[1])]
        return self.lines[0]


@dataclass
class ParsedFile:
    """Declarations ready to store, and what could not be read."""

    trips: list[Trip]
    errors: list[RowError]


def parse(text_lines: Iterable[str]) -> ParsedFile:
    """Read a CSV file into declarations; every fault names its line and field."""
    reader = csv.DictReader(text_lines)
    missing = REQUIRED - set(reader.fieldnames or ())
    if missing:
        return ParsedFile(
            [], [RowError(1, "header", f"missing columns: {', '.join(sorted(missing))}")]
        )
    trips: dict[str, Trip] = {}
    errors: list[RowError] = []
    for row in reader:
        line = reader.line_num
        ref = (row.get("ref") or "").strip()
        if not ref:
            errors.append(RowError(line, "ref", "is empty"))
            continue
        trip = trips.setdefault(ref, Trip(ref))
        errors += _check_trip_columns(trip, row, line)
        trip.lines.append(line)
        trip.rows.append(row)
    for trip in trips.values():
        errors += _build(trip)
    return ParsedFile([t for t in trips.values() if t.declaration], sorted(errors, key=_order))


def _order(error: RowError) -> tuple[int, str]:
    return error.line, error.field


def _check_trip_columns(trip: Trip, row: dict[str, str], line: int) -> list[RowError]:
    # Later rows of a trip may leave trip columns blank, but must not contradict the first.
    if not trip.rows:
        return []
    first = trip.rows[0]
    return [
        RowError(line, column, f"differs from line {trip.lines[0]} of the same ref {trip.ref}")
        for column in TRIP_COLUMNS
        if (row.get(column) or "").strip()
        and (row.get(column) or "").strip() != (first.get(column) or "").strip()
    ]


def _build(trip: Trip) -> list[RowError]:
    first = trip.rows[0]
    data: dict[str, Any] = {c: (first.get(c) or "").strip() for c in TRIP_COLUMNS}
    data["containers"] = data["containers"].replace(";", " ").split()
    for optional in ("trailer_plate", "driver_phone"):
        data[optional] = data[optional] or None
    errors: list[RowError] = []
    data["goods"] = []
    for index, row in enumerate(trip.rows):
        goods = {c: (row.get(c) or "").strip() for c in LINE_COLUMNS}
        goods["currency"] = goods["currency"] or "USD"
        for flag in ("perishable", "cold_chain", "production_input"):
            value = goods[flag].lower()
            if value not in _TRUE | _FALSE:
                errors.append(
                    RowError(trip.lines[index], flag, f"{goods[flag]!r} is not yes or no")
                )
            goods[flag] = value in _TRUE
        data["goods"].append(goods)
    if errors:
        return errors
    try:
        trip.declaration = DeclarationCreate.model_validate(data)
    except ValidationError as exc:
        return [
            RowError(trip.line_of(e.field), _column(e.field), e.message)
            for e in field_errors(exc.errors())
        ]
    return []


def _column(path: str) -> str:
    """`goods.2.hs_code` is the `hs_code` column; `containers.0` the `containers` column."""
    parts = path.split(".")
    if parts[0] == "goods" and len(parts) > 2:
        return parts[2]
    return parts[0]


def template() -> str:
    """A header line and one example row, for users starting a file."""
    example = {
        "ref": "T1",
        "gate_id": "huu-nghi",
        "direction": "export",
        "tractor_plate": "12C-123.45",
        "trailer_plate": "12R-012.34",
        "driver_name": "Nguyễn Văn An",
        "driver_phone": "",
        "containers": "CSQU3054383",
        "expected_arrival": "2026-12-01T08:00:00+07:00",
        "hs_code": "081060",
        "description": "Fresh durian",
        "gross_kg": "18000",
        "value": "25000",
        "currency": "USD",
        "perishable": "yes",
        "cold_chain": "no",
        "production_input": "no",
    }
    return ",".join(COLUMNS) + "\n" + ",".join(example[c] for c in COLUMNS) + "\n"
