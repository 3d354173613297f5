"""Many trucks from one CSV file: rows sharing a `ref` form one declaration, one goods line each."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from smartgate.declarations.schemas import DeclarationCreate
from smartgate.shared.clock import VN_TZ
from smartgate.shared.errors import FieldError
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
    """The rows of one `ref`, their faults, and the declaration they make when they have none.

    `checkable` is what the gate's rules check even when some fields are faulty: those fields
    hold harmless stand-ins, and the rules' findings that rest on them are dropped (`faults`),
    so one pass names every fault of every row.
    """

    ref: str
    lines: list[int] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    declaration: DeclarationCreate | None = None
    checkable: DeclarationCreate | None = None
    unreadable: frozenset[str] = frozenset()

    def line_of(self, path: str) -> int:
        """The file line a field path of this declaration came from."""
        parts = path.split(".")
        if parts[0] == "goods" and len(parts) > 1 and parts[1].isdigit():
            return self.lines[int(parts[1])]
        return self.lines[0]

    def faults(self, found: Iterable[FieldError]) -> list[RowError]:
        """The rules' findings on `checkable` as row errors, without those about stand-ins."""
        return [
            RowError(self.line_of(e.field), _column(e.field), str(e.message))
            for e in found
            if not _rests_on(e.field, self.unreadable)
        ]


@dataclass
class ParsedFile:
    """Every trip of the file (good or not), and every fault found while reading it."""

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
        trip.errors += _check_trip_columns(trip, row, line)
        trip.lines.append(line)
        trip.rows.append(row)
    for trip in trips.values():
        _build(trip)
    _shared_containers(list(trips.values()))
    errors += [e for trip in trips.values() for e in trip.errors]
    return ParsedFile(list(trips.values()), sorted(errors, key=_order))


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


def _build(trip: Trip) -> None:
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
    try:
        trip.checkable = DeclarationCreate.model_validate(data)
    except ValidationError as exc:
        faulty = field_errors(exc.errors())
        errors += [RowError(trip.line_of(e.field), _column(e.field), e.message) for e in faulty]
        trip.unreadable = frozenset(e.field for e in faulty)
        trip.checkable = _with_stand_ins(data, trip.unreadable)
    trip.errors += errors
    if not trip.errors:
        trip.declaration = trip.checkable


# Values that pass the schema, put where a row's own value does not: the rules can then check
# the rest of the trip. Findings about these fields are dropped (`_rests_on`).
_STAND_INS: dict[str, Any] = {
    "direction": "export",
    "tractor_plate": "12C-123.45",
    "trailer_plate": None,
    "driver_name": "-",
    "driver_phone": None,
    "expected_arrival": "2000-01-01T00:00:00+00:00",
    "hs_code": "010121",
    "description": "-",
    "gross_kg": 1,
    "value": 0,
    "currency": "USD",
}


def _with_stand_ins(data: dict[str, Any], faulty: frozenset[str]) -> DeclarationCreate | None:
    """The trip with a stand-in for each faulty field, or None when one has none."""
    data = {**data, "goods": [dict(g) for g in data["goods"]]}
    bad_containers = set()
    for path in faulty:
        parts = path.split(".")
        if parts[0] == "containers" and len(parts) == 2 and parts[1].isdigit():
            bad_containers.add(int(parts[1]))
        elif len(parts) == 1 and parts[0] in _STAND_INS:
            data[parts[0]] = _STAND_INS[parts[0]]
        elif len(parts) == 3 and parts[0] == "goods" and parts[2] in _STAND_INS:
            data["goods"][int(parts[1])][parts[2]] = _STAND_INS[parts[2]]
        else:  # the gate, or the number of goods lines or containers: nothing to check against
            return None
    data["containers"] = [c for i, c in enumerate(data["containers"]) if i not in bad_containers]
    try:
        return DeclarationCreate.model_validate(data)
    except ValidationError:
        return None


def _rests_on(path: str, faulty: frozenset[str]) -> bool:
    """Whether a rule's finding at `path` is about a stand-in rather than the row's value."""
    if path in faulty:
        return True
    if path == "goods":  # the total weight
        return any(f.startswith("goods.") and f.endswith(".gross_kg") for f in faulty)
    # Whether goods are permitted depends on the direction.
    return path.startswith("goods.") and path.endswith(".hs_code") and "direction" in faulty


def _shared_containers(trips: list[Trip]) -> None:
    """A container is on one truck at a time: a later trip of the file naming a container that
    an earlier one carries within a day of it is at fault (a row copied under a new ref)."""
    carried: dict[str, list[tuple[Trip, datetime]]] = {}
    for trip in trips:
        if trip.checkable is None or "expected_arrival" in trip.unreadable:
            continue  # no arrival to compare
        arrival = trip.checkable.expected_arrival
        for number in dict.fromkeys(trip.checkable.containers):
            near = [t for t, at in carried.get(number, []) if abs(at - arrival) < timedelta(days=1)]
            carried.setdefault(number, []).append((trip, arrival))
            if near:
                trip.errors.append(
                    RowError(
                        trip.lines[0],
                        "containers",
                        f"{number} is also on line {near[0].lines[0]} (ref {near[0].ref}), "
                        "arriving within a day of it",
                    )
                )
                trip.declaration = None


def _column(path: str) -> str:
    """`goods.2.hs_code` is the `hs_code` column; `containers.0` the `containers` column."""
    parts = path.split(".")
    if parts[0] == "goods" and len(parts) > 2:
        return parts[2]
    return parts[0]


def template(now: datetime) -> str:
    """A header line and one example row arriving tomorrow at 08:00 Viet Nam time, for users
    starting a file: it imports as it is."""
    tomorrow = now.astimezone(VN_TZ).date() + timedelta(days=1)
    arrival = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8, tzinfo=VN_TZ)
    example = {
        "ref": "T1",
        "gate_id": "huu-nghi",
        "direction": "export",
        "tractor_plate": "12C-123.45",
        "trailer_plate": "12R-012.34",
        "driver_name": "Nguyễn Văn An",
        "driver_phone": "",
        "containers": "CSQU3054383",
        "expected_arrival": arrival.isoformat(),
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
