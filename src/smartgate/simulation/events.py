"""Recorded gate events (truck id, event, timestamp): CSV in and out, and from a simulation run."""

import csv
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from smartgate.simulation.records import TruckRecord

COLUMNS = ("truck_id", "event", "timestamp")
KINDS = ("arrived", "service_start", "service_end")


class GateEvent(NamedTuple):
    """One recorded event of one truck at the gate."""

    truck_id: str
    kind: str
    at: datetime


def read_csv(path: Path) -> Iterator[GateEvent]:
    """Events from a CSV with columns truck_id, event, timestamp (ISO 8601); others ignored."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        # Line 1 is the header, so the first row stands on line 2.
        yield from from_rows(rows, rows.fieldnames or (), str(path), first_line=2)


def from_rows(
    rows: Iterable[Mapping[str, Any]], columns: Iterable[str], source: str, first_line: int = 1
) -> Iterator[GateEvent]:
    """Events from rows with columns truck_id, event, timestamp, e.g. from a CSV or a query.

    A timestamp is a datetime or an ISO 8601 string; other event kinds (ANPR reads, exits,
    ...) are skipped because they do not feed the model. Errors name `source` and the line.
    """
    missing = set(COLUMNS) - set(columns)
    if missing:
        raise ValueError(f"{source}: missing column(s) {', '.join(sorted(missing))}")
    for line, row in enumerate(rows, start=first_line):
        if row["event"] in KINDS:
            at = _timestamp(row["timestamp"], f"{source}:{line}")
            yield GateEvent(str(row["truck_id"]), row["event"], at)


def _timestamp(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: timestamp: not ISO 8601: {value!r}") from None


def write_csv(events: Iterable[GateEvent], path: Path) -> None:
    """Write events as CSV with columns truck_id, event, timestamp."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for event in events:
            writer.writerow((event.truck_id, event.kind, event.at.isoformat(timespec="seconds")))


def from_trucks(trucks: Iterable[TruckRecord], start: date) -> Iterator[GateEvent]:
    """The events a gate would have recorded for simulated trucks, hour 0 being `start` midnight."""
    origin = datetime.combine(start, time())
    for truck in trucks:
        stamps = (truck.arrived, truck.inspection_start, truck.inspection_end)
        for kind, hours in zip(KINDS, stamps, strict=True):
            if hours is not None:
                yield GateEvent(str(truck.truck_id), kind, origin + timedelta(hours=hours))


def arrival_hours(events: Iterable[GateEvent], origin: datetime | None = None) -> list[float]:
    """Arrival times in hours from `origin` (a scenario's hour 0, on the gate's wall clock), or
    from midnight of the first arrival's day. Times are read on their own wall clock; a file
    mixing times with and without a UTC offset is refused, since they cannot be ordered."""
    stamps = sorted(_wall_clock(event.at) for event in events if event.kind == "arrived")
    if not stamps:
        return []
    if origin is None:
        origin = datetime.combine(stamps[0].date(), time())
    origin = origin.replace(tzinfo=None)
    return [(stamp - origin).total_seconds() / 3600 for stamp in stamps]


def _wall_clock(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def check_one_kind_of_clock(events: Iterable[GateEvent], source: str) -> list[GateEvent]:
    """The events, refused in one line if some times carry a UTC offset and others not."""
    found = list(events)
    aware = {event.at.tzinfo is not None for event in found}
    if len(aware) > 1:
        first = next(
            e for e in found if (e.at.tzinfo is not None) != (found[0].at.tzinfo is not None)
        )
        raise ValueError(
            f"{source}: timestamps mix times with and without a UTC offset "
            f"({found[0].at.isoformat()} and {first.at.isoformat()}); use one kind"
        )
    return found
