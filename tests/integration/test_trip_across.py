"""A trip's whole way across on a real database: camera reads, the call, the yard,
inspections, the zero line; its timeline, fee, crossing log and audit log."""

from datetime import UTC, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from test_queue_services import NOW, SLOT, _arrive, _book, _capacity, _rules

from smartgate.declarations import amendments
from smartgate.declarations import services as declarations
from smartgate.identity import services as identity
from smartgate.operations import gate_events
from smartgate.operations import services as operations
from smartgate.operations.schemas import GateEventIn, InspectionIn, ReviewIn
from smartgate.policy import services as policy
from smartgate.policy.schemas import SuspensionIn
from smartgate.queue import services as queue
from smartgate.queue import waiting_area
from smartgate.queue.schemas import BookingCreate, BookingMove, CallNextIn
from smartgate.shared.clock import VN_TZ
from smartgate.shared.errors import Conflict, Forbidden, NotFound

from factories import actor, container, declare, goods

PLATE = "12C-345.67"


def _read(uow, point, plate, seconds, *, lane=None, event=None, confidence=0.95, containers=()):
    data = GateEventIn(
        event_id=event or f"{point}-{seconds}",
        camera_id=f"cam-{point}",
        gate_id="huu-nghi",
        point=point,
        lane=lane,
        at=NOW + timedelta(seconds=seconds),
        plate=plate,
        confidence=confidence,
        containers=list(containers),
    )
    camera = actor(uow, "camera-huunghi")
    return gate_events.record(uow=uow, actor=camera, data=data, now=data.at)


def _status(uow, trip):
    return declarations.get(
        uow=uow, actor=actor(uow, "operator-huunghi"), declaration_id=trip.id
    ).status


def _inspect(uow, trip, agency, outcome, seconds, note=""):
    return operations.inspect(
        uow=uow,
        actor=actor(uow, "operator-huunghi"),
        declaration_id=trip.id,
        data=InspectionIn(agency=agency, outcome=outcome, note=note),
        now=NOW + timedelta(seconds=seconds),
    )


def test_a_truck_crosses_from_the_waiting_area_to_the_zero_line(uow):
    _capacity(uow)
    trip = declare(uow, tractor_plate=PLATE, containers=[container(1)], goods=[goods("081060")])
    queue.book(
        uow=uow,
        actor=actor(uow, "driver1"),
        data=BookingCreate(declaration_id=trip.id, slot_start=SLOT),
        now=NOW,
    )
    assert _status(uow, trip) == "booked"

    # A misread (S for 5, no dash) at the entrance checks the truck in by itself.
    read, created = _read(uow, "waiting_area_in", "12C34S.67", 60)
    assert created and read.status == "matched" and read.declaration_id == trip.id
    again, created = _read(uow, "waiting_area_in", "12C34S.67", 60)
    assert not created and again.id == read.id
    assert _status(uow, trip) == "waiting"

    waiting_area.call_next(
        uow=uow,
        actor=actor(uow, "operator-huunghi"),
        gate_id="huu-nghi",
        data=CallNextIn(direction="export", count=1, lane="1119-X1"),
        now=SLOT,
    )
    assert _status(uow, trip) == "called"
    for point, lane, seconds, status in (
        ("gate_in", "1119-X1", 7300, "at_gate"),
        ("yard_in", "Y-1119-X", 7400, "in_yard"),
    ):
        read, _ = _read(uow, point, PLATE, seconds, lane=lane)
        assert read.status == "matched", read.review_reason
        assert _status(uow, trip) == status

    # Too soon at the zero line: matched to the trip but refused, so an operator sees it.
    early, _ = _read(uow, "zero_line", PLATE, 7500, lane="1119-X1")
    assert early.status == "review" and "in_yard" in early.review_reason
    assert _status(uow, trip) == "in_yard"

    _inspect(uow, trip, "customs", "pass", 7600)
    _inspect(uow, trip, "border_guard", "hold", 7700, note="seal broken")
    assert _status(uow, trip) == "held"
    _inspect(uow, trip, "border_guard", "pass", 7800, note="resealed")
    assert _status(uow, trip) == "in_yard"  # fruit (HS 08): quarantine still to come
    _inspect(uow, trip, "quarantine", "pass", 7900)
    assert _status(uow, trip) == "cleared"

    _read(uow, "yard_out", PLATE, 8000, lane="Y-1119-X")
    read, _ = _read(uow, "zero_line", "12C-345.67", 8100, lane="1119-X1")
    assert read.status == "matched"
    assert _status(uow, trip) == "exited"
    # The other camera's frame of the same passage, a look-alike off: the same truck, which
    # has left its cleared state behind.
    frame, _ = _read(uow, "zero_line", "12C-34S.67", 8101, lane="1119-X1", event="zl-2")
    assert frame.status == "matched" and frame.declaration_id == trip.id

    operator = actor(uow, "operator-huunghi")
    steps = operations.timeline(uow=uow, actor=operator, declaration_id=trip.id)
    assert [s.status for s in steps] == [
        "booked", "waiting", "called", "at_gate", "in_yard", "held", "in_yard", "cleared",
        "exited",
    ]  # fmt: skip
    assert steps[5].reason == "border_guard: seal broken" and steps[1].actor == "camera-huunghi"

    day = (NOW + timedelta(seconds=8100)).astimezone(VN_TZ)
    day_start = day.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    found = operations.crossings(uow=uow, actor=operator, gate_id="huu-nghi", day_start=day_start)
    assert [c.plate for c in found] == [PLATE]
    assert found[0].dwell_minutes == pytest.approx((8100 - 7300) / 60, abs=0.1)
    assert (
        found[0].fee == operations.trip_fee(uow=uow, actor=operator, declaration_id=trip.id).amount
    )

    with pytest.raises(Conflict, match="exited"):
        queue.book(
            uow=uow,
            actor=actor(uow, "driver1"),
            data=BookingCreate(declaration_id=trip.id, slot_start=SLOT + timedelta(hours=3)),
            now=NOW + timedelta(hours=3),
        )
    logged = operations.audit_log(uow=uow, actor=operator, gate_id=None, declaration_id=trip.id)
    assert {e.subject for e in logged} == {"trip", "inspection"}

    # The driver heard of each step after the call that concerns them, newest first.
    told = waiting_area.notices(uow=uow, actor=actor(uow, "driver1"))
    assert [n.kind for n in told][:3] == ["crossed", "cleared", "held"]
    assert "seal broken" in told[2].message and PLATE in told[0].message


def test_a_cancelled_trip_gives_back_its_hour_and_its_place_in_line(uow):
    _capacity(uow, vn=2, cn=2)  # one booking an hour
    booked = declare(uow, tractor_plate=PLATE)
    booking = _book(uow, booked)
    amendments.cancel(uow=uow, actor=actor(uow, "driver1"), declaration_id=booked.id)
    driver = actor(uow, "driver1")
    assert queue.get_booking(uow=uow, actor=driver, booking_id=booking.id).status == "cancelled"
    # The hour is free again for another truck, and the vehicle may book another trip.
    assert _book(uow, declare(uow, tractor_plate="12C-111.11")).status == "active"
    assert _book(uow, declare(uow, tractor_plate=PLATE), slot=SLOT + timedelta(hours=1)).status == (
        "active"
    )

    waiting = declare(uow, tractor_plate="12C-222.22")
    entry = _arrive(uow, waiting)
    amendments.cancel(uow=uow, actor=actor(uow, "driver1"), declaration_id=waiting.id)
    board = waiting_area.board(
        uow=uow, actor=actor(uow, "operator-huunghi"), gate_id="huu-nghi", direction="export",
        now=NOW,
    )  # fmt: skip
    assert board.waiting == 0 and entry.id not in {e.id for e in board.next_up}
    assert _status(uow, waiting) == "cancelled"


def test_an_unsure_read_waits_for_an_operator_who_settles_it(uow):
    trip = declare(uow, tractor_plate=PLATE)
    unsure, _ = _read(uow, "waiting_area_in", "12C-345.61", 10, confidence=0.4)
    assert unsure.status == "review" and unsure.candidates[0].declaration_id == trip.id
    operator = actor(uow, "operator-huunghi")
    listed = gate_events.review_list(uow=uow, actor=operator, gate_id="huu-nghi")
    assert [r.id for r in listed] == [unsure.id]
    with pytest.raises(Forbidden):
        gate_events.review_list(uow=uow, actor=actor(uow, "operator-mongcai"), gate_id="huu-nghi")
    settled = gate_events.settle(
        uow=uow, actor=operator, event_id=unsure.id, data=ReviewIn(declaration_id=trip.id), now=NOW
    )
    assert settled.status == "confirmed" and _status(uow, trip) == "waiting"
    assert gate_events.review_list(uow=uow, actor=operator, gate_id="huu-nghi") == []


def test_inspections_are_the_agency_officers_own(uow):
    trip = declare(uow, tractor_plate=PLATE)
    with pytest.raises(NotFound):  # another gate's trip is not there for them at all
        operations.inspect(
            uow=uow,
            actor=actor(uow, "operator-mongcai"),
            declaration_id=trip.id,
            data=InspectionIn(agency="customs", outcome="pass"),
        )
    with pytest.raises(Conflict, match="not waiting for inspection"):
        _inspect(uow, trip, "customs", "pass", 0)


def test_the_audit_log_refuses_to_be_rewritten(uow):
    declare(uow, tractor_plate=PLATE)
    uow.session.execute(
        text(
            "INSERT INTO audit_log (at, actor, subject, subject_id, action) "
            "VALUES (:at, 'x', 'trip', '1', 'trip.test')"
        ),
        {"at": NOW},
    )
    for statement in ("UPDATE audit_log SET actor = 'y'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), uow.session.begin_nested():
            uow.session.execute(text(statement))


def _logged(uow, **where):
    authority = actor(uow, "authority-vn")
    return operations.audit_log(
        uow=uow, actor=authority, gate_id=where.get("gate_id"), declaration_id=where.get("trip")
    )


def test_policy_bookings_places_in_line_and_accounts_are_in_the_audit_log(uow):
    _capacity(uow, vn=10, cn=8)
    _capacity(uow, vn=6, cn=8)
    declared = [e for e in _logged(uow, gate_id="huu-nghi") if e.action == "capacity.declared"]
    assert len(declared) == 4 and declared[-2].actor == "authority-vn"
    # The second VN figure names the first as what it replaced.
    vn_again = [e for e in declared if e.after["side"] == "VN"][-1]
    assert set(vn_again.before.values()) == {10} and vn_again.after["trucks_per_hour"] == 6

    _rules(uow, max_reschedules=5)
    rules = [e for e in _logged(uow, gate_id="huu-nghi") if e.subject == "rules"][-1]
    assert rules.after["max_reschedules"] == 5 and rules.before["max_reschedules"] != 5

    trip = declare(uow, tractor_plate=PLATE, goods=[goods("080390")])
    booking = _book(uow, trip)
    driver = actor(uow, "driver1")
    queue.move(
        uow=uow, actor=driver, booking_id=booking.id,
        data=BookingMove(slot_start=SLOT + timedelta(hours=1)), now=NOW,
    )  # fmt: skip
    waiting = declare(uow, tractor_plate="12C-222.22", goods=[goods("080390")])
    _arrive(uow, waiting)
    authority = actor(uow, "authority-vn")
    flood = policy.suspend(
        uow=uow, actor=authority, data=SuspensionIn(reason="flood", gate_id="huu-nghi"), now=NOW
    )
    policy.lift(uow=uow, actor=authority, suspension_id=flood.id, now=NOW + timedelta(minutes=5))
    queue.cancel(uow=uow, actor=driver, booking_id=booking.id, now=NOW + timedelta(minutes=6))

    booked = [(e.action, e.before, e.after) for e in _logged(uow, trip=trip.id)]
    assert booked[0][0] == "trip.booked" and booked[0][2]["booking_id"] == str(booking.id)
    actions = [action for action, _, _ in booked]
    assert actions[1:] == [
        "booking.moved", "booking.held", "booking.released", "booking.cancelled", "trip.declared",
    ]  # fmt: skip
    assert booked[1][1]["slot_start"] != booked[1][2]["slot_start"]
    in_line = [e.action for e in _logged(uow, trip=waiting.id)]
    assert in_line == ["trip.waiting", "queue_entry.held", "queue_entry.waiting"]
    lifted = [e for e in _logged(uow, gate_id="huu-nghi") if e.subject == "suspension"]
    assert [e.action for e in lifted] == ["suspension.set", "suspension.lifted"]
    assert lifted[1].before["ends_at"] is None and lifted[1].after["ends_at"] is not None

    identity.create_user(
        uow=uow,
        new=identity.NewUser("officer9", "long enough pass 9", "operator", "Officer Nine",
                             gate_id="huu-nghi", agencies=("customs",)),
        by="root (cli)",
    )  # fmt: skip
    identity.disable_user(uow=uow, username="officer9", token_minutes=60, by="root (cli)")
    accounts = [e for e in _logged(uow, gate_id="huu-nghi") if e.subject_id == "officer9"]
    assert [(e.action, e.actor) for e in accounts] == [
        ("user.created", "root (cli)"), ("user.disabled", "root (cli)"),
    ]  # fmt: skip
    assert accounts[1].before["active"] and not accounts[1].after["active"]
    assert "password" not in str(accounts[0].after)
