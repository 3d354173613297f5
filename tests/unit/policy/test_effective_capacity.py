"""Effective capacity from both sides' figures, without a database."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from smartgate.policy.model import CapacityFigure, effective_capacity

MONDAY, TUESDAY = date(2026, 12, 7), date(2026, 12, 8)


def test_the_smaller_side_decides() -> None:
    figures = [CapacityFigure("VN", "", 3, 20), CapacityFigure("CN", "", 3, 12)]
    assert effective_capacity(figures, MONDAY, 3) == 12


def test_a_side_closed_at_an_hour_it_did_not_declare_on_a_day_it_did() -> None:
    figures = [CapacityFigure("VN", "", 3, 20), CapacityFigure("CN", "", 4, 12)]
    assert effective_capacity(figures, MONDAY, 3) == 0


def test_a_figure_for_one_date_does_not_close_the_other_days() -> None:
    # The other side's authority declared Monday only: on Tuesday it has said nothing yet.
    figures = [CapacityFigure("VN", "", 3, 20), CapacityFigure("CN", "", 3, 12, day=MONDAY)]
    assert effective_capacity(figures, MONDAY, 3) == 12
    assert effective_capacity(figures, MONDAY, 4) == 0
    assert effective_capacity(figures, TUESDAY, 3) == 20


@given(
    vn=st.integers(0, 200),
    cn=st.integers(0, 200),
    hour=st.integers(0, 23),
    dated=st.booleans(),
)
def test_never_more_than_either_side_declared_for_that_day(vn, cn, hour, dated) -> None:
    figures = [
        CapacityFigure("VN", "", hour, vn),
        CapacityFigure("CN", "", hour, cn, day=MONDAY if dated else None),
    ]
    assert effective_capacity(figures, MONDAY, hour) == min(vn, cn)
    assert effective_capacity(figures, TUESDAY, hour) == (vn if dated else min(vn, cn))
