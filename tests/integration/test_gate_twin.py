"""Planning from the live gate: the scenario taken from the database holds the gate's rules,
both sides' capacity, its suspensions, the trucks waiting and the bookings to come, and the
simulator started on it calls the waiting trucks in the order the gate's board shows."""

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from smartgate.policy import services as policy_services
from smartgate.policy.model import effective_capacity
from smartgate.policy.schemas import CapacityIn, GateRulesIO, SuspensionIn
from smartgate.queue import services, waiting_area
from smartgate.queue.schemas import ArrivalIn, BookingCreate
from smartgate.queue.snapshot import gate_snapshot
from smartgate.shared.clock import VN_TZ
from smartgate.simulation import scenario, twin
from smartgate.simulation.gate import simulate

from factories import actor, declare, goods, plate

GATE = "mong-cai"
# Mid-morning in Viet Nam, two days ahead: the next hour is 10:00 local.
NOW = (
    (datetime.now(UTC) + timedelta(days=2))
    .astimezone(VN_TZ)
    .replace(hour=9, minute=20, second=0, microsecond=0)
    .astimezone(UTC)
)


def _gate_as_it_stands(uow) -> list:
    authority, operator = actor(uow, "authority-vn"), actor(uow, "operator-mongcai")
    before = NOW - timedelta(days=1)
    rules = policy_services.gate_rules(uow=uow, gate_id=GATE).model_dump()
    rules |= {
        "priority_order": ["perishable", "backlog"],
        "live_every": 2,
        "bookings_per_minute": 100,
    }
    policy_services.set_gate_rules(
        uow=uow, actor=authority, gate_id=GATE, data=GateRulesIO(**rules), now=before
    )
    for side, per_hour in (("VN", 6), ("CN", 4)):
        policy_services.declare_capacity(
            uow=uow, actor=authority, gate_id=GATE, own_side="VN", now=before,
            data=CapacityIn(
                direction="export", side=side, trucks_per_hour=per_hour, from_hour=8, to_hour=18
            ),
        )  # fmt: skip
    policy_services.suspend(
        uow=uow, actor=authority, now=before,
        data=SuspensionIn(
            reason="cold chain tested", gate_id=GATE, flags=["cold_chain"],
            starts_at=NOW - timedelta(hours=2), ends_at=NOW + timedelta(hours=20),
        ),
    )  # fmt: skip
    loads = [goods("080390")] * 4 + [goods("080390", perishable=True)] * 2
    loads += [goods("030389", cold_chain=True)] * 2
    trips = [
        declare(uow, "forwarder1", gate_id=GATE, containers=[],
                tractor_plate=plate(3000 + i), goods=[load])
        for i, load in enumerate(loads + [goods("080390")] * 3)
    ]  # fmt: skip
    for i, trip in enumerate(trips[: len(loads)]):
        arrival = ArrivalIn(declaration_id=trip.id)
        at = NOW - timedelta(hours=30) + timedelta(hours=4 * i)
        waiting_area.check_in(uow=uow, actor=operator, gate_id=GATE, data=arrival, now=at)
    for i, trip in enumerate(trips[len(loads) :]):  # booked for 11:00, 12:00 and 13:00 local
        slot = NOW.replace(minute=0) + timedelta(hours=2 + i)
        services.book(
            uow=uow, actor=actor(uow, "forwarder1"), now=before,
            data=BookingCreate(declaration_id=trip.id, slot_start=slot),
        )  # fmt: skip
    return trips


def test_a_scenario_from_the_live_gate_holds_its_policy_trucks_and_bookings(uow):
    _gate_as_it_stands(uow)
    snapshot = gate_snapshot(
        uow=uow, actor=actor(uow, "authority-vn"), gate_id=GATE, direction="export",
        side="VN", until=NOW + timedelta(hours=49), now=NOW,
    )  # fmt: skip
    live = scenario.parse(twin.scenario_text(snapshot, 48), origin="live")

    assert live.start == datetime(NOW.year, NOW.month, NOW.day, 10)  # the next hour, local
    assert live.days == 2
    assert live.rules.priority_order == ("perishable", "backlog")
    assert live.rules.live_every == 2
    day = live.start.date()
    assert effective_capacity(live.capacity, day, 9) == 4, "the smaller side"
    assert effective_capacity(live.capacity, day, 18) == 0, "closed after 18:00"
    [cold] = live.suspensions
    assert cold.scope.flags == ("cold_chain",)
    assert live.hours(cold.ends_at) == pytest.approx(20 - 40 / 60)
    waiting_now = [t for t in live.trucks if t.arrives < 0]
    assert len(waiting_now) == 8
    assert sorted(t.slot for t in live.trucks if t.slot is not None) == [1, 2, 3]
    assert {g.name: g.flags for g in live.goods}["cold_chain 030389"] == {"cold_chain"}


def test_the_twin_calls_the_waiting_trucks_in_the_order_the_gate_would(uow):
    _gate_as_it_stands(uow)
    operator = actor(uow, "operator-mongcai")
    start = NOW.replace(minute=0) + timedelta(hours=1)
    board = waiting_area.board(
        uow=uow, actor=operator, gate_id=GATE, direction="export", limit=20, now=start
    )
    gate_order = [round((e.arrived_at - start) / timedelta(hours=1), 6) for e in board.next_up]

    snapshot = gate_snapshot(
        uow=uow, actor=operator, gate_id=GATE, direction="export", side="VN",
        until=NOW + timedelta(hours=25), now=NOW,
    )  # fmt: skip
    live = scenario.parse(twin.scenario_text(snapshot, 24), origin="live")
    run = simulate(dataclasses.replace(live, yard_capacity=1000), np.random.default_rng(0))
    called = sorted((t for t in run.trucks if t.called is not None), key=lambda t: t.call_number)
    first_hour = [round(t.arrived, 6) for t in called if t.called < 1]

    # Both sides' smaller capacity is 4 an hour; cold chain is held; perishables lead.
    assert len(first_hour) == 4
    assert first_hour == gate_order[:4]
    assert {t.goods for t in called[:2]} == {"perishable 080390"}
    assert not [t for t in called if t.goods.startswith("cold_chain") and t.called < 19]


def test_a_suspension_lifted_before_it_began_stops_nothing_in_the_plan(uow):
    authority = actor(uow, "authority-vn")
    planned = policy_services.suspend(
        uow=uow, actor=authority, now=NOW - timedelta(hours=1),
        data=SuspensionIn(reason="maybe later", gate_id=GATE, flags=["perishable"],
                          starts_at=NOW + timedelta(hours=5)),
    )  # fmt: skip
    policy_services.lift(uow=uow, actor=authority, suspension_id=planned.id, now=NOW)
    snapshot = gate_snapshot(
        uow=uow, actor=authority, gate_id=GATE, direction="export", side="VN",
        until=NOW + timedelta(hours=25), now=NOW,
    )  # fmt: skip
    live = scenario.parse(twin.scenario_text(snapshot, 24), origin="live")
    assert not [s for s in live.suspensions if s.reason == "maybe later"]
