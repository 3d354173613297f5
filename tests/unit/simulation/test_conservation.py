"""Properties of any gate the scenario format can describe, found by hypothesis."""

import math
from collections import Counter
from datetime import timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartgate.policy.model import SIDES, CapacityFigure, Cargo, GateRules, Scope, Suspension
from smartgate.simulation.delivery import DEFAULTS as MODES
from smartgate.simulation.delivery import delivery_mode
from smartgate.simulation.distributions import Deterministic, Exponential, Lognormal
from smartgate.simulation.gate import GateModel
from smartgate.simulation.scenario import DEFAULT_CAPACITY, Arrivals, Goods, Scenario, Stage

services = st.one_of(
    st.builds(Exponential, st.floats(0.01, 0.5)),
    st.builds(Deterministic, st.floats(0.01, 0.5)),
    st.builds(Lognormal, st.floats(0.01, 0.5), st.floats(0.1, 2.0)),
)
hours = st.integers(0, 23)
# No deadline: a wall-clock limit would make the property depend on the machine's load.
model_property = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def scenarios(draw) -> Scenario:
    opens = draw(hours)
    closes = draw(st.integers(opens + 1, 24))
    days = draw(st.sampled_from([0.5, 1.0, 2.5]))
    secondary = draw(st.none() | st.builds(Stage, st.integers(1, 3), services))
    mode = draw(st.none() | st.sampled_from(list(MODES)))
    suspended_from = draw(st.floats(0, days * 24))
    base = Scenario("drawn", Arrivals(), Stage(1, Exponential(1)))
    fruit = Suspension(
        Scope(flags=("perishable",)),
        base.origin + timedelta(hours=suspended_from),
        base.origin + timedelta(hours=suspended_from + 6),
        "fruit tested",
    )
    per_hour = draw(st.lists(st.integers(0, 30), min_size=24, max_size=24))
    capped = tuple(CapacityFigure(side, "", h, n) for side in SIDES for h, n in enumerate(per_hour))
    return Scenario(
        name="drawn",
        days=days,
        opens=opens,
        closes=closes,
        arrivals=Arrivals(
            per_day=draw(st.floats(0, 600)),
            booked_share=draw(st.sampled_from([0.0, 0.5])),
            no_show=draw(st.floats(0, 1)),
            backlog=draw(st.integers(0, 30)),
        ),
        goods=(Goods("general", 0.8), Goods("fruit", 0.2, frozenset({"perishable"}), ("0810",))),
        rules=GateRules(
            priority_order=draw(st.sampled_from([(), ("perishable",), ("backlog", "perishable")])),
            backlog_hours=draw(st.sampled_from([1.0, 24.0])),
            live_every=draw(st.integers(1, 4)),
            green_zone=draw(st.booleans()),
        ),
        capacity=draw(st.sampled_from([DEFAULT_CAPACITY, capped])),
        yard_capacity=draw(st.integers(1, 40)),
        inspection=Stage(draw(st.integers(1, 3)), draw(services)),
        secondary=secondary,
        secondary_probability=0.0 if secondary is None else draw(st.floats(0, 1)),
        delivery=None if mode is None else delivery_mode(mode, draw(st.integers(1, 3))),
        suspensions=draw(st.sampled_from([(), (fruit,)])),
    )


@model_property
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_every_truck_is_departed_or_still_in_the_system(scenario, seed):
    model = GateModel(scenario, np.random.default_rng(seed))
    run = model.run()
    summary = run.summary
    # in_system is counted where the trucks are (waiting, yard, held), not by difference.
    assert summary.arrivals == summary.departed + summary.in_system
    assert summary.in_system == len(model.in_line) + model.yard.in_use + summary.held
    assert len(model.area.queue) == len(model.in_line)
    assert not model.yard.queue, "a truck is called only when the yard has room for it"
    assert summary.departed == sum(t.departed is not None for t in run.trucks)
    assert summary.yard_peak <= scenario.yard_capacity
    # Never above 1 but for the rounding of summed float intervals.
    assert math.isnan(summary.utilisation) or 0 <= summary.utilisation <= 1 + 1e-9
    for sample in run.samples:
        assert sample.yard <= scenario.yard_capacity


@model_property
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_trucks_move_forward_in_time_and_start_inspection_only_when_open(scenario, seed):
    run = GateModel(scenario, np.random.default_rng(seed)).run()
    for truck in run.trucks:
        stamps = [
            truck.arrived,
            truck.called,
            truck.inspection_start,
            truck.inspection_end,
            truck.departed,
        ]
        reached = [t for t in stamps if t is not None]
        assert stamps[: len(reached)] == reached, "a later stage without the earlier one"
        assert reached == sorted(reached)
        if truck.inspection_start is not None:
            assert scenario.opens <= truck.inspection_start % 24 <= scenario.closes


@model_property
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_no_hour_calls_more_than_both_sides_declared_and_nobody_stopped_is_called(scenario, seed):
    model = GateModel(scenario, np.random.default_rng(seed))
    run = model.run()
    calls = Counter(int(t.called) for t in run.trucks if t.called is not None)
    for hour, called in calls.items():
        assert called <= model.area.policy.capacity_at(scenario.origin + timedelta(hours=hour))
    for truck in run.trucks:
        if truck.called is None:
            continue
        goods = next(g for g in scenario.goods if g.name == truck.goods)
        cargo = Cargo("", "", goods.hs_codes, goods.flags)
        at = scenario.origin + timedelta(hours=truck.called)
        assert model.area.policy.stop_reason(cargo, at, model.mode) is None
