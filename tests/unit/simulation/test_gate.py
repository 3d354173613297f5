"""The gate model's parts: yard blocking, opening hours, suspensions, secondary inspection,
delivery modes, priorities and replayed arrivals."""

import dataclasses

import numpy as np
import pytest

from smartgate.simulation.delivery import DEFAULTS, delivery_mode
from smartgate.simulation.distributions import Deterministic, Exponential
from smartgate.simulation.gate import simulate
from smartgate.simulation.scenario import Arrivals, Scenario, Stage, Suspension

BASE = Scenario(
    name="test gate",
    arrivals=Arrivals(per_day=240),
    inspection=Stage(2, Exponential(6 / 60)),
    days=5,
)


def run(scenario=BASE, seed=1, **changes):
    return simulate(dataclasses.replace(scenario, **changes), np.random.default_rng(seed))


def test_a_full_yard_keeps_trucks_waiting_on_the_road():
    result = run(yard_capacity=5, inspection=Stage(1, Exponential(20 / 60)))
    assert result.summary.yard_peak == 5
    assert max(s.road_queue for s in result.samples) > 0
    assert all(s.yard <= 5 for s in result.samples)


def test_inspections_start_only_within_opening_hours_but_trucks_arrive_around_the_clock():
    result = run(opens=7.0, closes=19.0)
    starts = [t.inspection_start % 24 for t in result.trucks if t.inspection_start is not None]
    assert min(starts) >= 7.0
    assert max(starts) <= 19.0
    assert min(t.arrived % 24 for t in result.trucks) < 7.0
    assert 0 < result.summary.utilisation <= 1.05


def test_suspended_goods_are_held_until_the_suspension_ends():
    fruit = Suspension("fruit", start=24.0, end=72.0)
    result = run(goods=(("general", 0.5), ("fruit", 0.5)), suspensions=(fruit,))
    fruit_trucks = [t for t in result.trucks if t.goods == "fruit"]
    held = [t for t in fruit_trucks if 24.0 <= t.arrived < 72.0]
    assert held
    assert all(t.inspection_start >= 72.0 for t in held if t.inspection_start is not None)
    assert any(t.inspection_start is not None for t in held), "released at the end"
    assert max(s.held for s in result.samples) > 0
    assert result.samples[-1].held == 0


def test_a_suspension_without_end_holds_its_goods_to_the_end_of_the_run():
    forever = Suspension("fruit", start=0.0)
    result = run(goods=(("general", 0.5), ("fruit", 0.5)), suspensions=(forever,))
    assert dict(result.summary.cleared_by_goods)["fruit"] == 0
    assert result.summary.held == sum(t.goods == "fruit" for t in result.trucks)


def test_secondary_inspection_takes_the_given_share_of_trucks():
    # Ample deterministic 30-minute bays: a truck sent there leaves exactly 0.5 h later.
    result = run(secondary=Stage(50, Deterministic(0.5)), secondary_probability=0.3, days=20)
    extra = [round(t.departed - t.inspection_end, 9) for t in result.trucks if t.departed]
    assert set(extra) == {0.0, 0.5}
    assert extra.count(0.5) / len(extra) == pytest.approx(0.3, abs=0.02)


@pytest.mark.parametrize("mode", list(DEFAULTS))
def test_one_handover_unit_caps_throughput_at_its_cycle_time(mode):
    handover, turnaround = DEFAULTS[mode]
    cycle = handover.mean + turnaround
    # Demand at twice what one unit can hand over, inspection far from being the bottleneck.
    overloaded = run(
        arrivals=Arrivals(per_day=2 * 24 / cycle),
        inspection=Stage(20, Exponential(1 / 60)),
        delivery=delivery_mode(mode, 1),
        days=10,
    )
    assert overloaded.summary.throughput_per_day == pytest.approx(24 / cycle, rel=0.05)


def test_booked_trucks_go_first_when_they_have_priority():
    busy = dict(
        arrivals=Arrivals(per_day=500, booked_share=0.5),
        inspection=Stage(2, Exponential(5.5 / 60)),
        days=5,
    )
    fair = run(**busy)
    booked_first = run(**busy, priority=("booked",))

    def mean_wait(result, channel):
        return np.mean(
            [
                t.inspection_start - t.arrived
                for t in result.trucks
                if t.channel == channel and t.inspection_start is not None
            ]
        )

    assert mean_wait(booked_first, "booked") < 0.5 * mean_wait(booked_first, "live")
    assert mean_wait(fair, "booked") == pytest.approx(mean_wait(fair, "live"), rel=0.3)


def test_replayed_arrivals_are_the_recorded_ones():
    times = (0.5, 1.25, 7.0, 30.0, 200.0)
    result = run(arrivals=Arrivals(replay=times), days=2)
    assert [t.arrived for t in result.trucks] == [0.5, 1.25, 7.0, 30.0]
    assert {t.channel for t in result.trucks} == {"replay"}


def test_a_backlog_queues_on_the_road_from_the_start_and_is_cleared():
    result = run(arrivals=Arrivals(per_day=0, backlog=40), yard_capacity=10, days=1)
    assert all(t.arrived == 0.0 for t in result.trucks)
    one_hour_in = result.samples[1]
    assert one_hour_in.yard == 10
    assert one_hour_in.road_queue > 0
    assert result.summary.departed == 40


def test_the_same_seed_gives_the_same_run():
    assert run(seed=9).summary == run(seed=9).summary
    assert run(seed=9).summary != run(seed=10).summary
