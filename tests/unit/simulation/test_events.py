"""Recorded gate events: CSV and database rows in, with the row named in errors."""

from datetime import datetime

import pytest

from smartgate.simulation import events
from smartgate.simulation.events import GateEvent


def test_rows_from_a_query_may_carry_datetimes_or_iso_strings():
    rows = [
        {"truck_id": 7, "event": "arrived", "timestamp": datetime(2025, 3, 3, 6, 30)},
        {"truck_id": 7, "event": "exit", "timestamp": "not looked at"},
        {"truck_id": 7, "event": "service_start", "timestamp": "2025-03-03T07:00:00"},
    ]
    assert list(events.from_rows(rows, rows[0].keys(), "query")) == [
        GateEvent("7", "arrived", datetime(2025, 3, 3, 6, 30)),
        GateEvent("7", "service_start", datetime(2025, 3, 3, 7, 0)),
    ]


def test_a_bad_timestamp_names_the_file_and_line(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("truck_id,event,timestamp\na,arrived,2025-03-03T06:30\na,arrived,yesterday\n")
    with pytest.raises(ValueError, match=r"events.csv:3: timestamp: not ISO 8601: 'yesterday'"):
        list(events.read_csv(path))


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("truck,event\n")
    with pytest.raises(ValueError, match="missing column\\(s\\) timestamp, truck_id"):
        list(events.read_csv(path))


def test_arrival_hours_count_from_midnight_of_the_first_day():
    recorded = [
        GateEvent("b", "arrived", datetime(2025, 3, 4, 1, 15)),
        GateEvent("a", "arrived", datetime(2025, 3, 3, 23, 0)),
        GateEvent("a", "service_start", datetime(2025, 3, 3, 23, 30)),
    ]
    assert events.arrival_hours(recorded) == [23.0, 25.25]
