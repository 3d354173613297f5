"""The yard rules without a database: how full a yard is, and dwell times."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from smartgate.operations.model import mean, minutes_between, yard_level


@given(capacity=st.integers(1, 20_000), present=st.integers(0, 25_000))
def test_a_yard_warns_from_nine_tenths_and_is_full_at_its_capacity(capacity, present):
    level = yard_level(present, capacity)
    if present >= capacity:
        assert level == "full"
    elif present * 10 >= capacity * 9:
        assert level == "warning"
    else:
        assert level == "ok"


def test_the_levels_of_a_yard_of_ten():
    assert [yard_level(n, 10) for n in (0, 8, 9, 10, 11)] == [
        "ok", "ok", "warning", "full", "full",
    ]  # fmt: skip


def test_dwell_is_in_minutes_and_a_yard_with_nobody_has_no_mean():
    start = datetime(2026, 12, 4, 8, tzinfo=UTC)
    assert minutes_between(start, start + timedelta(minutes=90, seconds=30)) == 90.5
    assert mean([]) is None and mean([10.0, 20.0, 40.0]) == 23.3
