"""The trips list's query string: filters kept, nonsense dropped, pages bounded."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from smartgate.shared.clock import VN_TZ
from smartgate.web.trip_filters import MAX_PAGE, PAGE_SIZE, page_count, trip_query

GATES = {"huu-nghi", "mong-cai"}


def test_filters_are_kept_in_every_page_link():
    query = trip_query(
        {"plate": " 12c ", "gate": "huu-nghi", "direction": "export", "status": "booked",
         "day": "2026-12-06", "page": "2"},
        GATES,
    )  # fmt: skip
    assert query.values == {
        "plate": "12c", "gate": "huu-nghi", "direction": "export", "status": "booked",
        "day": "2026-12-06",
    }  # fmt: skip
    assert query.page == 2 and query.offset == PAGE_SIZE
    assert query.link(3) == (
        "/trips?plate=12c&gate=huu-nghi&direction=export&status=booked&day=2026-12-06&page=3"
    )
    assert query.link(1).endswith("day=2026-12-06")  # page 1 is the list itself


def test_values_that_mean_nothing_are_dropped_not_refused():
    query = trip_query(
        {"gate": "nowhere", "direction": "up", "status": "flying", "day": "31/12", "page": "x"},
        GATES,
    )
    assert query.values == {} and query.page == 1 and not query.narrowed
    assert query.link(1) == "/trips"


def test_the_day_is_the_local_day_of_the_gate_side():
    found = trip_query({"day": "2026-12-06"}, GATES).filters(VN_TZ)
    assert found.arriving_from == datetime(2026, 12, 6, tzinfo=VN_TZ)
    assert found.arriving_to - found.arriving_from == timedelta(days=1)


@given(st.text(max_size=12))
def test_any_page_text_gives_a_page_in_range(text):
    page = trip_query({"page": text}, GATES).page
    assert 1 <= page <= MAX_PAGE


@given(st.integers(min_value=0, max_value=10**6))
def test_pages_hold_every_trip(total):
    count = page_count(total)
    assert (
        count >= 1
        and (count - 1) * PAGE_SIZE <= max(total - 1, 0) < count * PAGE_SIZE
        or total == 0
    )
