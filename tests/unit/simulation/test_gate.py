"""The gate model's parts: yard blocking, opening hours, suspensions, secondary inspection,
delivery modes, the gate's call rules and capacity, replayed and listed arrivals."""

import dataclasses
from datetime import timedelta

import numpy as np
import pytest

from smartgate.policy.model import SIDES, CapacityFigure, GateRules, Scope, Suspension
from smartgate.simulation.delivery import DEFAULTS, delivery_mode
from smartgate.simulation.distributions import Deterministic, Exponential
from smartgate.simulation.gate import simulate
from smartgate.simulation.scenario import Arrivals, Goods, ListedTruck, Scenario, Stage

BASE = Scenario(
    name="test gate",
    arrivals=Arrivals(per_day=240),
    inspection=Stage(2, Exponential(6 / 60)),
    days=5,
)
FRUIT = (Goods("general", 0.5), Goods("fruit", 0.5, frozenset({"perishable"}), ("0810",)))


def run(scenario=BASE, seed=1, **changes):
    return simulate(dataclasses.replace(scenario, **changes), np.random.default_rng(seed))


def fruit_suspended(start: float, end: float | None = None) -> Suspension:
    """Fruit (HS 0810) stopped from hour `start` to hour `end` of the base scenario."""
    return Suspension(
        Scope(hs_prefixes=("0810",)),
        BASE.origin + timedelta(hours=start),
        None if end is None else BASE.origin + timedelta(hours=end),
        "fruit tested",
    )


def capacity(per_hour: int, hours=range(24)) -> tuple[CapacityFigure, ...]:
    return tuple(CapacityFigure(side, "", h, per_hour) for side in SIDES for h in hours)


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
    result = run(goods=FRUIT, suspensions=(fruit_suspended(24.0, 72.0),))
    fruit_trucks = [t for t in result.trucks if t.goods == "fruit"]
    held = [t for t in fruit_trucks if 24.0 <= t.arrived < 72.0]
    assert held
    assert all(t.inspection_start >= 72.0 for t in held if t.inspection_start is not None)
    assert any(t.inspection_start is not None for t in held), "released at the end"
    assert max(s.held for s in result.samples) > 0
    assert result.samples[-1].held == 0


def test_a_suspension_without_end_holds_its_goods_to_the_end_of_the_run():
    result = run(goods=FRUIT, suspensions=(fruit_suspended(0.0),))
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


def test_booked_trucks_wait_less_than_walk_ups_by_the_live_every_ratio():
    # A small yard makes the waiting area the bottleneck, so the call order decides the waits.
    busy = dict(
        arrivals=Arrivals(per_day=500, booked_share=0.5),
        inspection=Stage(2, Exponential(5.5 / 60)),
        yard_capacity=3,
        days=5,
    )
    alternate = run(**busy, rules=GateRules(live_every=1))
    mostly_booked = run(**busy, rules=GateRules(live_every=6))

    def mean_wait(result, channel):
        return np.mean(
            [t.called - t.arrived for t in result.trucks if t.channel == channel and t.called]
        )

    assert mean_wait(mostly_booked, "booked") < 0.5 * mean_wait(mostly_booked, "live")
    assert mean_wait(alternate, "live") < mean_wait(mostly_booked, "live")
    lanes = {t.lane for t in mostly_booked.trucks if t.called is not None}
    assert {"booked", "live"} <= lanes


def test_priority_classes_are_called_first_in_the_configured_order():
    listed = tuple(
        ListedTruck(arrives=-1.0 + i / 100, goods=("general", "inputs", "fruit")[i % 3])
        for i in range(30)
    )
    goods = (
        Goods("general", 1.0),
        Goods("inputs", 0.0, frozenset({"production_input"})),
        Goods("fruit", 0.0, frozenset({"perishable"})),
    )
    result = run(
        arrivals=Arrivals(per_day=0),
        goods=goods,
        trucks=listed,
        yard_capacity=1,
        inspection=Stage(1, Deterministic(0.1)),
        rules=GateRules(priority_order=("perishable", "production_input")),
        days=1,
    )
    order = [t.goods for t in sorted(result.trucks, key=lambda t: t.called)]
    assert order == ["fruit"] * 10 + ["inputs"] * 10 + ["general"] * 10
    assert [t.lane for t in sorted(result.trucks, key=lambda t: t.called)][:11] == (
        ["perishable"] * 10 + ["production_input"]
    )


def test_no_hour_calls_more_than_the_smaller_side_declared():
    figures = capacity(5) + tuple(CapacityFigure("CN", "", h, 3) for h in range(24))[:0]
    cn_lower = tuple(
        f if f.side == "VN" else dataclasses.replace(f, trucks_per_hour=3) for f in figures
    )
    result = run(capacity=cn_lower, days=2)
    per_hour = np.bincount([int(t.called) for t in result.trucks if t.called is not None])
    assert per_hour.max() == 3
    assert result.summary.throughput_per_day <= 3 * 24


def test_capacity_that_changes_by_date_takes_effect_that_day():
    day_two = BASE.start + timedelta(days=1)
    dated = tuple(dataclasses.replace(f, day=day_two, trucks_per_hour=1) for f in capacity(1))
    result = run(capacity=capacity(20) + dated, days=3)
    calls = np.bincount([int(t.called // 24) for t in result.trucks if t.called is not None])
    assert calls[1] == 24
    assert calls[0] > 24 and calls[2] > 24


def test_green_zone_holds_every_truck_that_would_cross_with_its_driver():
    green = GateRules(green_zone=True)
    direct = run(rules=green, delivery=delivery_mode("direct_crossing", 2), days=1)
    swapped = run(rules=green, delivery=delivery_mode("tractor_swap", 2), days=1)
    assert direct.summary.departed == 0 and direct.summary.held == direct.summary.arrivals
    assert swapped.summary.departed > 0 and swapped.summary.held == 0


def test_green_zone_holds_only_the_trucks_declared_to_cross_with_their_driver():
    declared = (
        Goods("swapped", 0.5, delivery_mode="tractor_swap"),
        Goods("driven", 0.5, delivery_mode="direct"),
    )
    result = run(goods=declared, rules=GateRules(green_zone=True), days=1)
    held = {t.goods for t in result.trucks if t.called is None}
    called = {t.goods for t in result.trucks if t.called is not None}
    assert called == {"swapped"} and held == {"driven"}


def test_bookings_past_the_hours_quota_come_as_walk_ups():
    # 10 trucks an hour both sides, 60 % for bookings: 6 booked a hour, the rest walk up.
    result = run(
        arrivals=Arrivals(per_day=24 * 20, booked_share=1.0),
        capacity=capacity(10),
        rules=GateRules(booking_share=0.6),
        days=2,
    )
    booked = np.bincount([int(t.arrived) for t in result.trucks if t.channel == "booked"])
    assert booked.max() == 6
    assert any(t.channel == "live" for t in result.trucks)


def test_replayed_arrivals_are_the_recorded_ones():
    times = (0.5, 1.25, 7.0, 30.0, 200.0)
    result = run(arrivals=Arrivals(replay=times), days=2)
    assert [t.arrived for t in result.trucks] == [0.5, 1.25, 7.0, 30.0]
    assert {t.channel for t in result.trucks} == {"replay"}


def test_a_backlog_waits_from_before_the_start_is_called_first_and_cleared():
    result = run(arrivals=Arrivals(per_day=100, backlog=40), yard_capacity=10, days=1)
    backlog = [t for t in result.trucks if t.channel == "backlog"]
    assert len(backlog) == 40
    assert all(t.arrived == -GateRules().backlog_hours for t in backlog)
    assert {t.lane for t in backlog} == {"backlog"}
    first_called = sorted(result.trucks, key=lambda t: (t.called is None, t.called))[:40]
    assert {t.channel for t in first_called} == {"backlog"}
    assert result.samples[0].road_queue + result.samples[0].yard == 40, "seen from hour 0"
    one_hour_in = result.samples[1]
    assert one_hour_in.yard == 10
    assert one_hour_in.road_queue > 0
    assert all(t.departed is not None for t in backlog)


def test_the_same_seed_gives_the_same_run():
    assert run(seed=9).summary == run(seed=9).summary
    assert run(seed=9).summary != run(seed=10).summary


def test_a_run_that_starts_mid_day_keeps_the_profile_and_hours_on_the_clock_of_the_day():
    # A scenario taken from the live gate starts at the top of the next hour, here 16:00.
    from datetime import datetime

    profile = tuple(1.0 if 8 <= h < 16 else 0.0 for h in range(24))
    afternoon = dataclasses.replace(
        BASE,
        start=datetime(2025, 1, 6, 16),
        arrivals=Arrivals(per_day=240, profile=tuple(w / sum(profile) for w in profile)),
        opens=7.0,
        closes=17.0,
        days=3,
    )
    result = run(afternoon)
    clock = [(16 + t.arrived) % 24 for t in result.trucks]
    assert clock and all(8 <= hour < 16 for hour in clock)
    starts = [(16 + t.inspection_start) % 24 for t in result.trucks if t.inspection_start]
    assert starts and all(7 <= hour <= 17 for hour in starts)
    assert 0 < result.summary.utilisation <= 1 + 1e-9
