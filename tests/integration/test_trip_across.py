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
from smartgate.operations import gate_events, yards
from smartgate.operations import services as operations
from smartgate.operations.schemas import (
    GateEventIn,
    HandoverIn,
    InspectionIn,
    ReviewIn,
    YardMoveIn,
)
from smartgate.policy import services as policy
from smartgate.policy.schemas import SuspensionIn
from smartgate.queue import services as queue
from smartgate.queue import waiting_area
from smartgate.queue.schemas import BookingCreate, BookingMove, CallNextIn
from smartgate.shared.clock import VN_TZ
from smartgate.shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

from factories import actor, container, declare, goods

PLATE = "12C-345.67"


def _frame(
    point, plate, seconds, event, *, camera="batch-cam-1", lane=None, confidence=0.95, containers=()
):
    return GateEventIn(
        event_id=event,
        camera_id=camera,
        gate_id="huu-nghi",
        point=point,
        lane=lane,
        at=NOW + timedelta(seconds=seconds),
        plate=plate,
        confidence=confidence,
        containers=list(containers),
    )


def _read(uow, point, plate, seconds, *, lane=None, event=None, confidence=0.95, containers=()):
    data = _frame(
        point, plate, seconds, event or f"{point}-{seconds}", camera=f"cam-{point}", lane=lane,
        confidence=confidence, containers=containers,
    )  # fmt: skip
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
    fee = operations.trip_fee(uow=uow, actor=operator, declaration_id=trip.id)
    assert found[0].fee == fee.amount
    report = operations.fee_report(uow=uow, actor=operator, gate_id="huu-nghi", day_start=day_start)
    assert (report.trips, report.total, report.by_direction) == (
        1,
        fee.amount,
        {"export": fee.amount},
    )
    assert report.rows[0].plate == PLATE and report.rows[0].factors["direction"] == 1.0
    with pytest.raises(Forbidden):
        operations.fee_report(
            uow=uow, actor=actor(uow, "operator-mongcai"), gate_id="huu-nghi", day_start=day_start
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


def _through_the_gate(uow, plate, minutes, hs_code="080390"):
    trip = declare(uow, tractor_plate=plate, goods=[goods(hs_code)])
    entry = _arrive(uow, trip, minutes)
    operator = actor(uow, "operator-huunghi")
    at = NOW + timedelta(minutes=minutes + 1)
    waiting_area.call_next(
        uow=uow, actor=operator, gate_id="huu-nghi",
        data=CallNextIn(direction="export", count=1), now=at,
    )  # fmt: skip
    waiting_area.mark_crossed(
        uow=uow, actor=operator, gate_id="huu-nghi", entry_id=entry.id, now=at
    )
    return trip


def _yard(uow, minutes, code="Y-COLD"):
    board = yards.yard_board(
        uow=uow, actor=actor(uow, "operator-huunghi"), gate_id="huu-nghi", tz=VN_TZ,
        now=NOW + timedelta(minutes=minutes),
    )  # fmt: skip
    return next(y for y in board.yards if y.code == code)


def test_the_yard_board_counts_trucks_in_from_reads_and_by_hand_and_warns_when_full(uow):
    _capacity(uow, vn=40, cn=40)
    uow.session.execute(text("UPDATE yards SET capacity_trucks = 2 WHERE code = 'Y-COLD'"))
    first = _through_the_gate(uow, PLATE, 0)
    second = _through_the_gate(uow, "12C-222.22", 2)
    _read(uow, "yard_in", PLATE, 600, lane="Y-COLD")  # a camera saw the first
    operator = actor(uow, "operator-huunghi")

    def by_hand(trip, action, minutes, code="Y-COLD"):
        return yards.move_by_hand(
            uow=uow, actor=operator, gate_id="huu-nghi", yard_code=code,
            data=YardMoveIn(declaration_id=trip.id, action=action),
            now=NOW + timedelta(minutes=minutes),
        )  # fmt: skip

    half = _yard(uow, 20)
    assert (half.present, half.level, half.share) == (1, "ok", 0.5)
    assert half.trucks[0].plate == PLATE and half.trucks[0].dwell_minutes == 10.0
    by_hand(second, "in", 20)  # nobody's camera saw the second
    full = _yard(uow, 30)
    assert (full.present, full.level) == (2, "full")
    assert [t.status for t in full.trucks] == ["in_yard", "in_yard"]
    assert _status(uow, second) == "in_yard"

    by_hand(second, "out", 40)
    with pytest.raises(Conflict, match="not in yard"):
        by_hand(second, "out", 41)
    after = _yard(uow, 50)
    assert (after.present, after.left_today, after.mean_dwell_left_today_minutes) == (1, 1, 20.0)
    with pytest.raises(Forbidden):
        yards.move_by_hand(
            uow=uow, actor=actor(uow, "operator-mongcai"), gate_id="huu-nghi",
            yard_code="Y-COLD", data=YardMoveIn(declaration_id=first.id, action="out"),
        )  # fmt: skip
    with pytest.raises(NotFound):
        by_hand(first, "in", 60, code="Y-NOWHERE")
    waiting = declare(uow, tractor_plate="12C-333.33")
    with pytest.raises(Conflict, match="entering a yard"):
        by_hand(waiting, "in", 60)
    logged = [e.action for e in _logged(uow, trip=second.id) if e.subject == "yard_visit"]
    assert logged == ["yard.in", "yard.out"]


def _cleared(uow, plate, hs_code="847989"):
    trip = _through_the_gate(uow, plate, 0, hs_code)
    _inspect(uow, trip, "customs", "pass", 600)
    _inspect(uow, trip, "border_guard", "pass", 700)
    return trip


def _hand_over(uow, trip, **fields):
    return operations.hand_over(
        uow=uow, actor=actor(uow, "operator-huunghi"), declaration_id=trip.id,
        data=HandoverIn(**fields), now=NOW + timedelta(minutes=20),
    )  # fmt: skip


def _refused_fields(uow, trip, **fields):
    with pytest.raises(ValidationFailed) as refused:
        _hand_over(uow, trip, **fields)
    return {error.field for error in refused.value.errors}


def test_a_cleared_trip_is_handed_over_by_a_mode_its_lane_offers(uow):
    _capacity(uow, vn=40, cn=40)
    trip = _cleared(uow, PLATE)
    assert _status(uow, trip) == "cleared"  # machinery (HS 84): no quarantine
    assert _refused_fields(uow, trip, lane="1119-N1", mode="direct") == {"lane"}  # an import lane
    assert _refused_fields(uow, trip, lane="1119-X1", mode="shuttle") == {"mode", "shuttle_id"}
    assert _refused_fields(uow, trip, lane="1119-X2", mode="tractor_swap") == {
        "far_driver", "far_plate",
    }  # fmt: skip
    _rules(uow, green_zone=True)
    assert _refused_fields(uow, trip, lane="1119-X1", mode="direct") == {"mode"}
    assert _status(uow, trip) == "cleared"  # nothing half-done

    done = _hand_over(uow, trip, lane="1119-X2", mode="shuttle", shuttle_id="AGV-07")
    assert (done.mode, done.shuttle_id, done.recorded_by) == (
        "shuttle",
        "AGV-07",
        "operator-huunghi",
    )
    assert _status(uow, trip) == "handed_over"
    with pytest.raises(Conflict, match="handed_over"):
        _hand_over(uow, trip, lane="1119-X2", mode="shuttle", shuttle_id="AGV-08")
    step = operations.timeline(uow=uow, actor=actor(uow, "driver1"), declaration_id=trip.id)[-1]
    assert step.status == "handed_over" and step.place == "1119-X2"
    # The fee follows the mode used at the line, not the one declared.
    fee = operations.trip_fee(uow=uow, actor=actor(uow, "driver1"), declaration_id=trip.id)
    assert any("shuttle" in line.detail for line in fee.lines)
    _read(uow, "zero_line", PLATE, 1300, lane="1119-X2")
    assert _status(uow, trip) == "exited"


def test_quarantine_inspects_the_chapters_the_gate_names(uow):
    _capacity(uow, vn=40, cn=40)
    fruit = _cleared(uow, PLATE, hs_code="080390")
    assert _status(uow, fruit) != "cleared"  # fruit waits for quarantine by default
    uow.session.execute(text("""UPDATE gates SET quarantine_chapters = '["01", "02"]'"""))
    bananas = _cleared(uow, "12C-444.44", hs_code="080390")
    assert _status(uow, bananas) == "cleared"  # this gate's quarantine looks at meat only


# --- a camera's buffered reads, sent in batches -------------------------------------------------


def _batch(uow, frames, username="camera-huunghi"):
    return gate_events.record_all(uow=uow, actor=actor(uow, username), events=frames, now=NOW)


def _batch_reads(uow):
    with uow:
        query = text("SELECT count(*) FROM gate_events WHERE camera_id LIKE 'batch-%'")
        return uow.session.scalar(query)


def test_a_batch_takes_its_reads_in_order_and_stores_each_once(uow):
    trip = declare(uow, tractor_plate=PLATE)
    other = declare(uow, tractor_plate="12C-222.22")
    look_alike = _frame("waiting_area_in", "12C-34S.67", 10, "b-1")
    frames = [
        look_alike,
        # The other camera's frame of the same passage, a character lost: alone it would wait
        # for an operator, beside the first it is the same truck.
        _frame("waiting_area_in", "12C-345.6", 10.2, "b-2", camera="batch-cam-2"),
        look_alike,  # the camera sent it twice
        _frame("waiting_area_in", "12C-222.22", 100, "b-3"),
        _frame("waiting_area_in", "99Z-000.01", 200, "b-4"),
    ]
    answers = _batch(uow, frames)
    assert [new for _, new in answers] == [True, True, False, True, True]
    (first, _), (second, _), (repeat, _), (others, _), (stranger, _) = answers
    assert first.status == second.status == others.status == "matched"
    assert first.declaration_id == second.declaration_id == trip.id
    assert others.declaration_id == other.id
    assert repeat.id == first.id and second.passage_id == first.passage_id == first.id
    assert stranger.status == "review" and stranger.review_reason == "no trip matches well enough"
    assert _status(uow, trip) == _status(uow, other) == "waiting"
    operator = actor(uow, "operator-huunghi")
    steps = operations.timeline(uow=uow, actor=operator, declaration_id=trip.id)
    assert [s.status for s in steps] == ["waiting"]

    # Sent again with one read that is new: that one alone is stored, the rest answer as before.
    again = _batch(uow, [*frames, _frame("waiting_area_in", "99Z-000.02", 300, "b-5")])
    assert [new for _, new in again] == [False] * 5 + [True]
    assert [read.id for read, _ in again[:5]] == [read.id for read, _ in answers]
    assert _batch_reads(uow) == 5


def test_a_batch_naming_a_place_the_gate_lacks_or_another_gate_is_refused_whole(uow):
    trip = declare(uow, tractor_plate=PLATE)
    good = _frame("waiting_area_in", PLATE, 10, "r-1")
    no_lane = _frame("zero_line", PLATE, 20, "r-2", lane="X-9")
    no_yard = _frame("yard_in", PLATE, 30, "r-3", lane="1119-X1")  # a lane, not a yard
    with pytest.raises(ValidationFailed) as refused:
        _batch(uow, [good, no_lane, no_yard])
    assert [e.field for e in refused.value.errors] == ["events.1.lane", "events.2.lane"]
    elsewhere = good.model_copy(update={"gate_id": "mong-cai", "event_id": "r-4"})
    with pytest.raises(Forbidden):
        _batch(uow, [good, elsewhere])
    assert _batch_reads(uow) == 0 and _status(uow, trip) == "declared"


def test_a_read_sent_again_with_another_time_is_still_the_read_stored_first(uow):
    # The camera's id names the read, whatever else comes with it. Such a read is not among
    # those near its time, so it is taken afresh until its row proves a repeat: then the call
    # starts again and what the first attempt moved is undone.
    declare(uow, tractor_plate=PLATE)
    other = declare(uow, tractor_plate="12C-222.22")
    first, created = gate_events.record(
        uow=uow, actor=actor(uow, "camera-huunghi"), data=_frame("waiting_area_in", PLATE, 10, "s")
    )
    later = _frame("waiting_area_in", "12C-222.22", 3600, "s")
    again, created_again = gate_events.record(
        uow=uow, actor=actor(uow, "camera-huunghi"), data=later
    )
    assert created and not created_again
    assert (again.id, again.plate, again.status) == (first.id, PLATE, "matched")
    assert _status(uow, other) == "declared" and _batch_reads(uow) == 1


def _cleared_plates(uow, plates):
    # Straight into the table: this is about the cameras at the zero line, not the way there.
    trips = [declare(uow, tractor_plate=plate) for plate in plates]
    with uow:
        for plate in plates:
            uow.session.execute(
                text("UPDATE declarations SET status = 'cleared' WHERE tractor_plate = :plate"),
                {"plate": plate},
            )
        uow.commit()
    return trips


def _zero_line_state(uow):
    with uow:
        reads = uow.session.execute(
            text(
                "SELECT id, camera_id, event_id, status, declaration_id, score, candidates,"
                " review_reason, passage_id FROM gate_events WHERE camera_id LIKE 'batch-%'"
            )
        ).all()
        trips = uow.session.execute(
            text("SELECT tractor_plate, status FROM declarations WHERE status = 'exited'")
        ).all()
        exits = uow.session.scalar(
            text("SELECT count(*) FROM audit_log WHERE action = 'trip.exited'")
        )
    key = {read.id: (read.camera_id, read.event_id) for read in reads}
    stored = {
        key[read.id]: (*read[3:8], key[read.passage_id]) for read in reads
    }  # ids differ between runs: passages are named by their first read's key
    return stored, sorted(trips), exits


def test_a_batch_leaves_what_its_reads_sent_one_by_one_would_have_left(uow):
    _cleared_plates(uow, [PLATE, "15C-222.22", "桂F12345", "桂F1234S", "12C-345.61"])
    zero_line = {"point": "zero_line", "lane": "1119-X1"}
    frames = [
        _frame(**zero_line, plate=plate, seconds=seconds, event=event, camera=camera)
        for plate, seconds, event, camera in [
            (PLATE, 0, "z-1", "batch-cam-1"),
            ("12C-345.6", 0.2, "z-2", "batch-cam-2"),  # a character lost: the same passage
            ("12C-345.67", 0.4, "z-3", "batch-cam-1"),  # after it exited: that truck again
            ("I5C-222.22", 10, "z-4", "batch-cam-1"),  # look-alikes
            ("15C-222.2Z", 10.1, "z-5", "batch-cam-2"),
            ("桂F12345", 20, "z-6", "batch-cam-1"),  # one look-alike from another truck
            ("F12345", 20.1, "z-7", "batch-cam-2"),
            ("12C-345.61", 30, "z-8", "batch-cam-1"),  # one character from the first truck
            ("99Z-000.01", 40, "z-9", "batch-cam-1"),
            ("15C-222.28", 200, "z-10", "batch-cam-1"),  # a plain error, the truck gone
            (PLATE, 0, "z-1", "batch-cam-1"),  # sent again
        ]
    ]
    connection = uow.session_factory.kw["bind"]
    one_by_one = connection.begin_nested()
    camera = actor(uow, "camera-huunghi")
    for frame in frames:
        gate_events.record(uow=uow, actor=camera, data=frame, now=NOW)
    alone = _zero_line_state(uow)
    one_by_one.rollback()

    _batch(uow, frames)
    assert _zero_line_state(uow) == alone
    stored, exited, steps = alone
    assert {status for status, *_ in stored.values()} == {"matched", "review"}
    assert steps == len(exited) == 3
