"""The inspection desk's reads on a real database: which trucks wait for which agency, in what
order, who may look, and the trip an operator names when settling a camera read."""

from datetime import UTC, datetime, timedelta

import pytest

from smartgate.operations import desk
from smartgate.operations import services as operations
from smartgate.operations.schemas import InspectionIn
from smartgate.shared.actor import Actor
from smartgate.shared.errors import Forbidden, NotFound, ValidationFailed
from smartgate.shared.lifecycle import TripMoved

from factories import actor, declare, goods

NOW = datetime.now(UTC).replace(microsecond=0)
FRUIT, MACHINE = goods("081060"), goods("847989")  # quarantine inspects fruit (HS 08) only
CUSTOMS_ONLY = Actor(9001, "officer-customs", "operator", gate_id="huu-nghi",
                     agencies=frozenset({"customs"}))  # fmt: skip


def _trip(uow, plate, *, goods_line=MACHINE, gate_id="huu-nghi"):
    return declare(uow, tractor_plate=plate, containers=[], goods=[goods_line], gate_id=gate_id)


def _move(uow, trip, *targets, minutes=0, reason=None):
    """Take a trip through these steps, as the queue and the cameras would."""
    with uow:
        for target in targets:
            at = NOW + timedelta(minutes=minutes)
            uow.publish(TripMoved(trip.id, target, "test", at, reason=reason))
        uow.commit()


def _at_gate(uow, trip, minutes):
    _move(uow, trip, "waiting", "called", "at_gate", minutes=minutes)


def _inspect(uow, trip, agency, outcome, minutes=30, note=""):
    return operations.inspect(
        uow=uow,
        actor=actor(uow, "operator-huunghi"),
        declaration_id=trip.id,
        data=InspectionIn(agency=agency, outcome=outcome, note=note),
        now=NOW + timedelta(minutes=minutes),
    )


def _plates(uow, agency, who=None):
    found = desk.waiting_for(
        uow=uow, actor=who or actor(uow, "operator-huunghi"), gate_id="huu-nghi", agency=agency
    )
    return [truck.plate for truck in found]


def test_each_agency_sees_the_trucks_that_wait_for_it_longest_first(uow):
    late, early, fruit = (_trip(uow, "16C-100.01"), _trip(uow, "16C-100.02"),
                          _trip(uow, "16C-100.03", goods_line=FRUIT))  # fmt: skip
    _at_gate(uow, late, minutes=20)
    _at_gate(uow, early, minutes=5)
    _at_gate(uow, fruit, minutes=10)
    in_line = _trip(uow, "16C-100.04")
    _move(uow, in_line, "waiting")  # still in the waiting area: no agency sees it yet
    elsewhere = _trip(uow, "16C-100.05", gate_id="mong-cai")
    _at_gate(uow, elsewhere, minutes=1)

    assert _plates(uow, "customs") == ["16C-100.02", "16C-100.03", "16C-100.01"]
    assert _plates(uow, "quarantine") == ["16C-100.03"]

    _inspect(uow, early, "customs", "pass", note="papers in order")
    assert _plates(uow, "customs") == ["16C-100.03", "16C-100.01"]
    border = desk.waiting_for(
        uow=uow, actor=actor(uow, "operator-huunghi"), gate_id="huu-nghi", agency="border_guard"
    )
    first = border[0]
    assert first.plate == "16C-100.02" and first.status == "inspection"
    assert first.required == ["customs", "border_guard"]
    assert first.decisions["customs"].outcome == "pass"
    assert first.decisions["customs"].note == "papers in order"
    assert first.arrived_at == NOW + timedelta(minutes=5)


def test_a_truck_held_at_the_gate_stays_at_the_desk_and_one_held_in_line_does_not(uow):
    at_gate, in_line = _trip(uow, "16C-200.01"), _trip(uow, "16C-200.02")
    _at_gate(uow, at_gate, minutes=0)
    _inspect(uow, at_gate, "customs", "hold", note="x-ray the load")
    _move(uow, in_line, "waiting")
    _move(uow, in_line, "held", reason="cold chain suspended")

    customs = desk.waiting_for(
        uow=uow, actor=actor(uow, "operator-huunghi"), gate_id="huu-nghi", agency="customs"
    )
    assert [(t.plate, t.status, t.held_reason) for t in customs] == [
        ("16C-200.01", "held", "customs: x-ray the load")
    ]
    _inspect(uow, at_gate, "customs", "pass", minutes=40)
    assert _plates(uow, "customs") == []
    assert _plates(uow, "border_guard") == ["16C-200.01"]  # resumed at the gate


def test_who_may_look_at_a_desk(uow):
    trip = _trip(uow, "16C-300.01")
    _at_gate(uow, trip, minutes=0)
    assert _plates(uow, "customs", CUSTOMS_ONLY) == ["16C-300.01"]
    assert _plates(uow, "border_guard", actor(uow, "authority-vn")) == ["16C-300.01"]
    for who, agency in ((CUSTOMS_ONLY, "quarantine"), (actor(uow, "driver1"), "customs"),
                        (actor(uow, "operator-mongcai"), "customs")):  # fmt: skip
        with pytest.raises(Forbidden) as refused:
            _plates(uow, agency, who)
        assert refused.value.wording is not None  # worded for the page's reader
    with pytest.raises(ValidationFailed) as bad:
        _plates(uow, "police")
    assert [e.field for e in bad.value.errors] == ["agency"]


def test_a_trips_decisions_are_read_by_whoever_may_see_it(uow):
    trip = _trip(uow, "16C-400.01", goods_line=FRUIT)
    _at_gate(uow, trip, minutes=0)
    _inspect(uow, trip, "customs", "hold", minutes=10)
    _inspect(uow, trip, "customs", "pass", minutes=20)
    seen = desk.decisions(uow=uow, actor=actor(uow, "driver1"), declaration_id=trip.id)
    assert seen.required == ["customs", "border_guard", "quarantine"]
    assert {a: d.outcome for a, d in seen.decisions.items()} == {"customs": "pass"}
    with pytest.raises(NotFound):
        desk.decisions(uow=uow, actor=actor(uow, "driver2"), declaration_id=trip.id)


def test_an_operator_names_a_trip_by_id_or_by_plate_however_spelt(uow):
    trip = _trip(uow, "16C-500.01")
    operator = actor(uow, "operator-huunghi")
    for typed in (str(trip.id), "16C-500.01", " 16c50001 ", "16C 500.01"):
        assert desk.named_trip(uow=uow, actor=operator, gate_id="huu-nghi", text=typed) == trip.id
    _trip(uow, "16C-500.01")  # a second live trip of the same truck
    for typed, why in (
        ("16C-500.01", "several trips"),
        ("77A-000.00", "no trip"),
        ("", "required"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            desk.named_trip(uow=uow, actor=operator, gate_id="huu-nghi", text=typed)
        assert [e.field for e in refused.value.errors] == ["trip"]
        assert why in str(refused.value)
