"""What an authority changes on the plan form reaches the second run, and nothing else does."""

import dataclasses

import pytest
from pydantic import ValidationError

from smartgate.policy.model import effective_capacity
from smartgate.simulation import scenario
from smartgate.simulation.schemas import PlanIn
from smartgate.simulation.twin import changed

MONG_CAI = scenario.load("mong-cai-2022-04")


def test_no_change_changes_nothing_but_the_name():
    same = changed(MONG_CAI, PlanIn())
    assert not PlanIn().changes()
    assert dataclasses.replace(same, name=MONG_CAI.name) == MONG_CAI


def test_capacity_keeps_the_hours_each_side_was_open():
    paced = changed(MONG_CAI, PlanIn(capacity=25))
    assert effective_capacity(paced.capacity, MONG_CAI.start, 9) == 25
    assert effective_capacity(paced.capacity, MONG_CAI.start, 3) == 0


def test_rules_suspensions_and_green_zone_change_as_asked():
    plan = PlanIn(live_every=1, backlog_hours=6, green_zone="off", suspension="lift")
    other = changed(MONG_CAI, plan)
    assert (other.rules.live_every, other.rules.backlog_hours) == (1, 6)
    assert not other.rules.green_zone and other.suspensions == ()
    stopped = changed(MONG_CAI, PlanIn(suspension="production_input"))
    assert [s.scope.flags for s in stopped.suspensions] == [("cold_chain",), ("production_input",)]
    green = changed(dataclasses.replace(MONG_CAI, rules=other.rules), PlanIn(green_zone="on"))
    assert green.rules.green_zone and green.delivery == MONG_CAI.delivery


@pytest.mark.parametrize(
    ("field", "value"), [("hours", 0), ("capacity", -1), ("live_every", 0), ("suspension", "x")]
)
def test_a_plan_out_of_range_is_refused_by_field(field, value):
    with pytest.raises(ValidationError) as error:
        PlanIn(**{field: value})
    assert error.value.errors()[0]["loc"] == (field,)
