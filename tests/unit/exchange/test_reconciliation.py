"""The reconciliation's pure rules: which records are one crossing, which category each line
is in, and the daily statistics' tally."""

import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from smartgate.exchange import reconciliation as rec
from smartgate.exchange import statistics
from smartgate.exchange.reconciliation import Announced, Sighting
from smartgate.shared.clock import VN_TZ, local_day_start

DAY = date(2026, 12, 5)
START = local_day_start(DAY, VN_TZ)  # 2026-12-04 17:00 UTC
END = START + timedelta(days=1)


def at(hours: float) -> datetime:
    """`hours` after local midnight of DAY."""
    return START + timedelta(hours=hours)


def here(trip: str, plate: str, hours: float, direction="export", gate="huu-nghi", other=None):
    return Sighting(gate, direction, plate, at(hours), trip, other)


def there(trip: str, plate: str, hours: float, direction="export", gate="huu-nghi", other=None):
    return Sighting(gate, direction, plate, at(hours), trip, other)


def lines(h, t, announced=(), minutes=30):
    return rec.reconcile(h, t, announced, start=START, end=END, minutes=minutes)


def test_an_arrival_naming_this_sides_trip_matches_it_whatever_the_plate() -> None:
    found = lines(
        [here("vn-1", "12C-123.45", 8)],
        [there("cn-1", "12C12345", 8.2, other="vn-1")],
    )
    assert [(x.category, x.matched_by, x.trip, x.reference) for x in found] == [
        ("matched", "reference", "vn-1", "cn-1")
    ]
    assert found[0].minutes_apart == 12.0


def test_without_a_reference_gate_direction_and_plate_pair_them_in_any_spelling() -> None:
    found = lines(
        [here("vn-1", "桂A12345", 9, direction="import")],
        [there("cn-1", "桂a 12345", 9.1, direction="import")],
    )
    assert [(x.category, x.matched_by) for x in found] == [("matched", "plate")]


def test_times_further_apart_than_n_minutes_differ() -> None:
    pair = ([here("vn-1", "12C-123.45", 8)], [there("cn-1", "12C-123.45", 9, other="vn-1")])
    assert [x.category for x in lines(*pair, minutes=30)] == ["times_differ"]
    assert [x.category for x in lines(*pair, minutes=60)] == ["matched"]


def test_records_of_other_gates_directions_or_plates_stay_alone() -> None:
    found = lines(
        [here("vn-1", "12C-123.45", 8), here("vn-2", "12C-999.99", 8)],
        [
            there("cn-1", "12C-123.45", 8, gate="mong-cai"),
            there("cn-2", "12C-999.99", 8, direction="import"),
        ],
    )
    assert sorted(x.category for x in found) == ["only_here"] * 2 + ["only_there"] * 2


def test_a_truck_crossing_twice_pairs_each_crossing_with_the_nearest() -> None:
    found = lines(
        [here("vn-1", "12C-123.45", 8), here("vn-2", "12C-123.45", 16)],
        [there("cn-2", "12C-123.45", 16.1)],
    )
    assert {(x.category, x.trip) for x in found} == {("matched", "vn-2"), ("only_here", "vn-1")}


def test_a_pair_across_midnight_is_reported_on_the_day_this_side_saw_it() -> None:
    late = [here("vn-1", "12C-123.45", 23.9)]
    early_next = [there("cn-1", "12C-123.45", 24.1)]
    assert [x.category for x in lines(late, early_next)] == ["matched"]
    # The next day's report: the pair belongs to the day before, nothing is left alone.
    next_day = rec.reconcile(
        late, early_next, [], start=END, end=END + timedelta(days=1), minutes=30
    )
    assert next_day == []
    # Across midnight by plate only within N minutes; by reference always.
    far = [there("cn-1", "12C-123.45", 26)]
    assert sorted(x.category for x in lines(late, far)) == ["only_here"]
    named = [there("cn-1", "12C-123.45", 26, other="vn-1")]
    assert [x.category for x in lines(late, named)] == ["times_differ"]


def test_an_announced_trip_with_no_crossing_on_either_side_is_listed() -> None:
    announced = [
        Announced("cn-1", "huu-nghi", "import", "桂A12345", at(10)),  # crossed there
        Announced("cn-2", "huu-nghi", "import", "桂A22222", at(10)),  # arrived here
        Announced("cn-3", "huu-nghi", "import", "桂A33333", at(11)),  # nothing
        Announced("cn-4", "huu-nghi", "import", "桂A44444", at(30)),  # another day
    ]
    found = lines(
        [here("vn-2", "桂A22222", 10, direction="import")],
        [there("cn-1", "桂A12345", 10, direction="import")],
        announced,
    )
    missing = [x for x in found if x.category == "no_crossing"]
    assert [(x.reference, x.plate) for x in missing] == [("cn-3", "桂A33333")]


def test_a_confirmation_is_read_in_this_sides_terms_or_not_at_all() -> None:
    arrival = {
        "reference": "vn-1", "trip": "cn-9", "gate_id": "huu-nghi", "direction": "import",
        "at": "2026-12-05T09:00:00+08:00", "tractor_plate": "12C-123.45", "trailer_plate": None,
    }  # fmt: skip
    read = rec.confirmation("arrival", arrival)
    assert read == Sighting(
        "huu-nghi", "export", "12C-123.45", datetime(2026, 12, 5, 1, tzinfo=UTC), "cn-9", "vn-1"
    )
    crossing = arrival | {"reference": "cn-7", "direction": "export"}
    assert rec.confirmation("crossing", crossing).trip == "cn-7"
    assert rec.confirmation("crossing", crossing).direction == "import"
    for broken in ({}, arrival | {"at": "yesterday"}, arrival | {"direction": "sideways"}):
        assert rec.confirmation("arrival", broken) is None


def test_a_line_as_a_spreadsheet_row_is_on_this_sides_clock() -> None:
    (line,) = lines([here("vn-1", "12C-123.45", 8)], [there("cn-1", "12C-123.45", 8.5)])
    row = rec.as_row(line, VN_TZ)
    assert list(row) == list(rec.ROW_COLUMNS)
    assert (row["here_at"], row["there_at"], row["minutes_apart"]) == (
        "2026-12-05 08:00:00", "2026-12-05 08:30:00", 30.0,
    )  # fmt: skip


# --- properties -------------------------------------------------------------------------------

PLATES = ["12C-123.45", "12C-999.99", "桂A12345"]
sightings = st.lists(
    st.tuples(
        st.sampled_from(PLATES),
        st.sampled_from(["huu-nghi", "mong-cai"]),
        st.sampled_from(["export", "import"]),
        st.floats(min_value=0, max_value=23.99),
        st.booleans(),  # names a trip of the other side
    ),
    max_size=12,
)


def _sides(mine, theirs, rng: random.Random):
    here_ = [
        Sighting(gate, direction, plate, at(hours), f"vn-{i}")
        for i, (plate, gate, direction, hours, _) in enumerate(mine)
    ]
    there_ = [
        Sighting(gate, direction, plate, at(hours), f"cn-{i}",
                 f"vn-{rng.randrange(len(mine))}" if names and mine else None)
        for i, (plate, gate, direction, hours, names) in enumerate(theirs)
    ]  # fmt: skip
    return here_, there_


@given(sightings, sightings, st.integers(1, 120), st.randoms(use_true_random=False))
def test_every_record_of_the_day_is_in_exactly_one_line(mine, theirs, minutes, rng) -> None:
    here_, there_ = _sides(mine, theirs, rng)
    found = lines(here_, there_, minutes=minutes)
    assert sorted(x.trip for x in found if x.here_at) == sorted(h.trip for h in here_)
    assert sorted(x.reference for x in found if x.there_at) == sorted(t.trip for t in there_)
    for line in found:
        if line.category in ("matched", "times_differ"):
            assert (line.minutes_apart <= minutes) == (line.category == "matched")
        else:
            assert line.minutes_apart is None
    assert sum(rec.counts(found).values()) == len(found)


@given(sightings, sightings, st.randoms(use_true_random=False))
def test_the_lines_do_not_depend_on_the_order_records_come_in(mine, theirs, rng) -> None:
    here_, there_ = _sides(mine, theirs, rng)
    shuffled_here, shuffled_there = here_[:], there_[:]
    rng.shuffle(shuffled_here)
    rng.shuffle(shuffled_there)
    assert lines(here_, there_) == lines(shuffled_here, shuffled_there)


# --- the daily statistics ---------------------------------------------------------------------


def test_the_tally_names_every_gate_and_direction_and_counts_tonnes() -> None:
    crossed = [("huu-nghi", "export", 18000.0), ("huu-nghi", "export", 12501.0)]
    assert statistics.tally(
        crossed + [("mong-cai", "import", 900.0)], ["huu-nghi", "mong-cai"]
    ) == [
        {"gate_id": "huu-nghi", "direction": "export", "trucks": 2, "tonnes": 30.501},
        {"gate_id": "huu-nghi", "direction": "import", "trucks": 0, "tonnes": 0.0},
        {"gate_id": "mong-cai", "direction": "export", "trucks": 0, "tonnes": 0.0},
        {"gate_id": "mong-cai", "direction": "import", "trucks": 1, "tonnes": 0.9},
    ]


def test_yesterdays_statistics_are_due_half_an_hour_after_local_midnight() -> None:
    midnight_vn = local_day_start(DAY, VN_TZ)
    assert statistics.due_day("VN", midnight_vn + timedelta(minutes=29)) == DAY - timedelta(2)
    assert statistics.due_day("VN", midnight_vn + timedelta(minutes=30)) == DAY - timedelta(1)
    # The same moment is already 01:00 in China.
    assert statistics.due_day("CN", midnight_vn + timedelta(minutes=30)) == DAY - timedelta(1)
    assert statistics.yesterday("CN", midnight_vn) == DAY - timedelta(1)


def _count(gate: str, direction: str, trucks: int, tonnes: float) -> dict:
    return {"gate_id": gate, "direction": direction, "trucks": trucks, "tonnes": tonnes}


def test_the_other_sides_totals_stand_beside_ours_with_their_directions_mirrored() -> None:
    ours = [_count("huu-nghi", "export", 412, 9800.5), _count("huu-nghi", "import", 5, 60.0)]
    # The CN side's imports at Hữu Nghị are the trucks this side exported.
    theirs = [_count("huu-nghi", "import", 410, 9750.0), _count("mong-cai", "export", 3, 30.0)]
    totals = {(t.gate_id, t.direction): t for t in rec.side_by_side(ours, theirs)}
    assert totals["huu-nghi", "export"] == rec.DayTotals(
        "huu-nghi", "export", 412, 9800.5, 410, 9750.0
    )
    # Counted on one side only: the other side's figure is a zero, not a blank.
    assert totals["huu-nghi", "import"].trucks_there == 0
    assert (
        totals["mong-cai", "import"].trucks_here,
        totals["mong-cai", "import"].trucks_there,
    ) == (
        0,
        3,
    )


def test_before_the_other_sides_statistics_arrive_their_figures_are_blank() -> None:
    [only] = rec.side_by_side([_count("huu-nghi", "export", 7, 70.0)], None)
    assert (only.trucks_here, only.trucks_there, only.tonnes_there) == (7, None, None)
