"""The capacity advisor: the smallest value that keeps the p95 wait under target, the figures
at one less, and one sentence saying so."""

import dataclasses

import pytest

from smartgate.simulation.advisor import advise, conclusion, p95_minutes, parse_range
from smartgate.simulation.distributions import Exponential
from smartgate.simulation.experiment import InlineExecutor
from smartgate.simulation.scenario import Arrivals, Scenario, Stage

# 20 trucks an hour, 6 minutes each: one lane is swamped, two are at the edge, three cope.
GATE = Scenario("advice", Arrivals(per_day=480), Stage(1, Exponential(0.1)), days=3)


def test_ranges_name_what_varies_and_refuse_what_cannot_be_planned():
    assert parse_range("lanes=1..4") == ("lanes", [1, 2, 3, 4])
    assert parse_range("capacity = 10..12") == ("capacity", [10, 11, 12])
    for bad, reason in [
        ("lanes=4..1", "must run upwards"),
        ("lanes=0..3", "at least 1"),
        ("cranes=1..3", "expected lanes=A..B"),
        ("units=1..500", "at most 200 values"),
    ]:
        with pytest.raises(ValueError, match=reason):
            parse_range(bad)


def test_the_smallest_value_that_meets_the_target_is_chosen_and_one_less_does_not():
    advice = advise(GATE, "lanes", [1, 2, 3, 4, 5], 30, 3, executor=InlineExecutor())
    waits = [p95_minutes(result) for _, result in advice.tried]
    assert waits == sorted(waits, reverse=True), "more lanes never wait longer (same seeds)"
    assert advice.chosen is not None and advice.chosen > 1
    assert p95_minutes(advice.result_at(advice.chosen)) < 30
    assert p95_minutes(advice.result_at(advice.chosen - 1)) >= 30
    assert advice.growth_per_day > 100, "one lane serves 240 of 480 a day"


def test_the_sentence_says_how_the_line_moves_and_what_keeps_it_on_target():
    advice = advise(GATE, "lanes", [2, 3, 4], 30, 2, executor=InlineExecutor())
    said = str(conclusion(advice))
    assert said.startswith("At 480 trucks a day the queue grows by about ")
    assert said.endswith(f"; {advice.chosen} inspection lanes keep the p95 wait under 30 min.")


def test_a_target_out_of_reach_is_said_with_the_best_figure():
    advice = advise(GATE, "lanes", [1], 30, 2, executor=InlineExecutor())
    assert advice.chosen is None
    assert "; even 1 inspection lanes leave the p95 wait at " in str(conclusion(advice))


def test_delivery_units_and_capacity_vary_what_they_name():
    swaps = GATE.variant(mode="tractor_swap").variant(units=3)
    assert swaps.delivery.units == 3 and swaps.delivery.name == "tractor_swap"
    paced = GATE.variant(capacity=12)
    assert {f.trucks_per_hour for f in paced.capacity} == {12}
    advice = advise(
        GATE.variant(lanes=3), "capacity", [5, 10, 30], 60, 2, executor=InlineExecutor()
    )
    assert [value for value, _ in advice.tried] == [5, 10, 30]
    assert advice.chosen == 30


def test_a_run_with_no_truck_says_there_is_nothing_to_advise():
    quiet = dataclasses.replace(GATE, arrivals=Arrivals(per_day=0))
    advice = advise(quiet, "lanes", [1, 2], 30, 2, executor=InlineExecutor())
    assert advice.chosen is None
    assert str(conclusion(advice)).endswith(
        "; no truck was measured in the run, so there is nothing to advise."
    )
