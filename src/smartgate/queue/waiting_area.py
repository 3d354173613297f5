"""Waiting-area use-cases: arrival, call to the border, crossing, no-shows, positions, ETAs."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError

from smartgate.declarations.plates import plate_key
from smartgate.operations.matching import skeleton
from smartgate.queue import model
from smartgate.queue.boards import Board, as_waiting, editing, policy_of, reading
from smartgate.queue.model import notice
from smartgate.queue.schemas import (
    ArrivalIn,
    CallNextIn,
    NoticeRead,
    QueueBoard,
    QueueEntryRead,
    WaitTime,
)
from smartgate.queue.services import booking_changed, cargo_of, check_still_valid, entry_cargo
from smartgate.queue.tables import QueueEntryRow
from smartgate.registry.model import DIRECTIONS, is_open
from smartgate.shared.actor import Actor
from smartgate.shared.audit import Changed
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import Conflict, Forbidden, NotFound
from smartgate.shared.lifecycle import TripMoved
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

MINUTE = timedelta(minutes=1)
ARRIVING = frozenset({"declared", "booked"})  # trips whose truck may join the line
DISPLAY_WINDOW = timedelta(minutes=30)


def check_in(
    *, uow: UnitOfWork, actor: Actor, gate_id: str, data: ArrivalIn, now: datetime | None = None
) -> QueueEntryRead:
    """A truck reaches the waiting area: it joins the line (held if it may not cross now)."""
    now = now or utcnow()
    _ensure_runs_gate(actor, gate_id)
    with uow:
        read = join_line(uow, actor, gate_id, data, now)
        uow.commit()
        return read


def join_line(
    uow: UnitOfWork, actor: Actor, gate_id: str, data: ArrivalIn, now: datetime, place: str = ""
) -> QueueEntryRead:
    """Check a truck into the waiting area within an open unit of work (an operator's check-in
    or a camera's read at the entrance)."""
    trip, booking = _arriving_trip(uow, actor, gate_id, data)
    if booking is None:  # a booked trip stays valid however long the booking waited
        check_still_valid(trip, policy_of(uow, gate_id, trip.direction).rules, now)
    vehicle = plate_key(trip.tractor_plate)
    already = uow.queue.entry_in_queue_for_vehicle(vehicle)
    if already is not None:
        raise Conflict(
            Wording(
                "{plate} is already {status} at {gate}",
                plate=trip.tractor_plate,
                status=already.status,
                gate=already.gate_id,
            )
        )
    with editing(uow, gate_id, trip.direction, now) as board:
        _catch_up(uow, board, gate_id, trip.direction, now)
        reason = board.hold_reason(cargo_of(trip), trip.delivery_mode, now)
        row = _entry(trip, booking.slot_start if booking else None, booking, now, reason)
        try:
            uow.queue.add_entry(row)
        except IntegrityError as exc:
            raise Conflict(
                Wording("{plate} is already in a waiting area", plate=row.plate)
            ) from exc
        if reason is None:
            board.join(as_waiting(row), now)
        read = _read(board, row, now)
    joined = {"entry_id": str(row.id), "entry_status": row.status}
    uow.publish(
        TripMoved(trip.id, "waiting", actor.username, now, place or "waiting_area", details=joined)
    )
    return read


def call_next(
    *, uow: UnitOfWork, actor: Actor, gate_id: str, data: CallNextIn, now: datetime | None = None
) -> list[QueueEntryRead]:
    """Call the next trucks to the border, never more per hour than both sides can handle."""
    now = now or utcnow()
    _ensure_runs_gate(actor, gate_id)
    with uow:
        with editing(uow, gate_id, data.direction, now) as board:
            _catch_up(uow, board, gate_id, data.direction, now)
            refusal = board.refusal(now)
            if refusal is not None:
                raise Conflict(refusal)
            picked = board.call(now, data.count)
            rows = uow.queue.call([uuid.UUID(w.id) for w, _ in picked], data.lane, now)
            if len(rows) != len(picked):  # the board and the rows disagree: undo, rebuild
                raise Conflict(Wording("the waiting area changed meanwhile; call again"))
            reads = [_read(board, row, now) for row in rows]
        for row in rows:
            called = {"entry_id": str(row.id)}
            uow.publish(
                TripMoved(
                    row.declaration_id, "called", actor.username, now, data.lane, details=called
                )
            )
        uow.commit()
        return reads


def mark_crossed(
    *, uow: UnitOfWork, actor: Actor, gate_id: str, entry_id: uuid.UUID, now: datetime | None = None
) -> QueueEntryRead:
    """The called truck passed the gate."""
    return _finish(uow, actor, gate_id, entry_id, "crossed", now or utcnow())


def mark_left(
    *, uow: UnitOfWork, actor: Actor, gate_id: str, entry_id: uuid.UUID, now: datetime | None = None
) -> QueueEntryRead:
    """The truck left the waiting area without crossing."""
    return _finish(uow, actor, gate_id, entry_id, "left", now or utcnow())


def board(
    *,
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str,
    direction: str,
    limit: int = 20,
    now: datetime | None = None,
) -> QueueBoard:
    """The operator's view of one direction: counts, pace, who is next and who is called."""
    now = now or utcnow()
    _ensure_sees_gate(actor, gate_id)
    with uow:
        with reading(uow, gate_id, direction, now) as gate:
            pace = gate.pace(now)
            upcoming = [uuid.UUID(w.id) for w in gate.queue.in_call_order(now, limit)]
            next_up = [_read(gate, r, now) for r in uow.queue.entries_by_ids(upcoming)]
            lanes = gate.queue.counts(now)
            total = len(gate.queue)
            capacity, room = gate.capacity_now(now), gate.room(now)
        held = uow.queue.entries(gate_id, direction, ("held",))
        called = uow.queue.entries(gate_id, direction, ("called",))
        return QueueBoard(
            gate_id=gate_id,
            direction=direction,  # type: ignore[arg-type]
            waiting=total,
            held=len(held),
            lanes=lanes,
            pace_per_hour=pace,
            next_up=next_up,
            called=[_read(None, r, now) for r in called],
            on_hold=[_read(None, r, now) for r in held[:limit]],
            updated_at=now,
            capacity_this_hour=capacity,
            room_this_hour=room,
        )


def my_trucks(
    *, uow: UnitOfWork, actor: Actor, now: datetime | None = None
) -> list[QueueEntryRead]:
    """The actor's trucks in any waiting area, each with its position and ETA."""
    now = now or utcnow()
    with uow:
        rows = uow.queue.entries_of(actor)
        reads = []
        for row in rows:
            with reading(uow, row.gate_id, row.direction, now) as gate:
                reads.append(_read(gate, row, now))
        return reads


def position(
    *, uow: UnitOfWork, actor: Actor, entry_id: uuid.UUID, now: datetime | None = None
) -> QueueEntryRead:
    """One truck's place in line and its ETA."""
    now = now or utcnow()
    with uow:
        row = uow.queue.entry(entry_id)
        if row is None or not _may_see(uow, actor, row):
            raise NotFound(Wording("queue entry {entry_id} does not exist", entry_id=entry_id))
        with reading(uow, row.gate_id, row.direction, now) as gate:
            return _read(gate, row, now)


def wait_times(*, uow: UnitOfWork, now: datetime | None = None) -> list[WaitTime]:
    """The public feed: per gate and direction, expected delay, trucks waiting, lanes open."""
    now = now or utcnow()
    with uow:
        found = []
        for gate in uow.registry.list_gates():
            open_now = is_open(gate.open_utc, gate.close_utc, now)
            for direction in DIRECTIONS:
                with reading(uow, gate.id, direction, now) as board:
                    count, pace = len(board.queue), board.pace(now)
                    # A truck arriving now has everyone waiting ahead of it.
                    called_at = board.eta(count, now)
                delay = None if called_at is None else round((called_at - now) / MINUTE)
                lanes = [
                    lane for lane in gate.lanes if lane.direction == direction and lane.is_open
                ]
                found.append(
                    WaitTime(
                        gate_id=gate.id,
                        gate_name_vi=gate.name_vi,
                        gate_name_zh=gate.name_zh,
                        direction=direction,
                        delay_minutes=delay,
                        trucks_waiting=count,
                        lanes_open=len(lanes) if open_now and pace else 0,
                        update_time=now,
                    )
                )
        return found


def called_display(
    *, uow: UnitOfWork, gate_id: str, now: datetime | None = None
) -> list[QueueEntryRead]:
    """Plates called in the last half hour and not yet through, newest first, for the board."""
    now = now or utcnow()
    with uow:
        if uow.registry.gate_name(gate_id) is None:
            raise NotFound(Wording("gate {gate} does not exist", gate=repr(gate_id)))
        rows = [
            r
            for direction in DIRECTIONS
            for r in uow.queue.entries(gate_id, direction, ("called",))
            if r.called_at is not None and r.called_at >= now - DISPLAY_WINDOW
        ]
        rows.sort(key=lambda r: r.called_at or now, reverse=True)
        return [_read(None, r, now) for r in rows]


# --- helpers ----------------------------------------------------------------------------


def sync_holds(uow: UnitOfWork, board: Board, gate_id: str, direction: str, now: datetime) -> None:
    """Hold every waiting truck a suspension or green-zone mode now stops, release every held
    truck nothing stops any more (back in its old place)."""
    changed = []
    for row in uow.queue.entries(gate_id, direction, ("waiting", "held")):
        # The entry keeps its goods codes and flags, so no declaration needs loading here.
        change = board.hold_change(row.status == "held", entry_cargo(row), row.delivery_mode, now)
        if change is None:
            continue
        hold, reason = change
        before = row.status
        if hold:
            board.leave(str(row.id))
            model.move_entry(row, "held", hold_reason=reason)
            changed.append(notice(row, "entry_held", now, reason=reason))
        else:
            model.move_entry(row, "waiting", hold_reason=None)
            board.join(as_waiting(row), now)
            changed.append(notice(row, "entry_released", now))
        uow.publish(entry_changed(row, "smartgate", now, before))
    uow.queue.add_notices(changed)
    board.synced_at = now


def _catch_up(uow: UnitOfWork, board: Board, gate_id: str, direction: str, now: datetime) -> None:
    # What the clock changed since the queue last moved: overdue calls, suspensions that began
    # or ended on their own.
    _release_no_shows(uow, board, now)
    if board.policy.suspensions_changed(board.synced_at, now):
        sync_holds(uow, board, gate_id, direction, now)


def _release_no_shows(uow: UnitOfWork, board: Board, now: datetime) -> None:
    # A called truck that does not reach the gate in time frees its place for the next one.
    overdue = board.no_shows(now)
    rows = uow.queue.entries_by_ids([uuid.UUID(entry_id) for entry_id in overdue])
    for row in rows:
        model.move_entry(row, "no_show", left_at=now)
        board.leave(str(row.id))
        uow.publish(
            TripMoved(
                row.declaration_id,
                "declared",
                "smartgate",
                now,
                reason="no show",
                only_from=frozenset({"called"}),
            )
        )
    uow.queue.add_notices(
        [notice(row, "no_show", now)
         for row in rows]
    )  # fmt: skip


def _finish(
    uow: UnitOfWork, actor: Actor, gate_id: str, entry_id: uuid.UUID, status: str, now: datetime
) -> QueueEntryRead:
    _ensure_runs_gate(actor, gate_id)
    with uow:
        read = finish_entry(uow, actor, gate_id, entry_id, status, now)
        uow.commit()
        return read


def finish_entry(
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str,
    entry_id: uuid.UUID,
    status: str,
    now: datetime,
    place: str | None = None,
) -> QueueEntryRead:
    """A truck leaves the waiting area, crossed into the gate or gone, within an open unit of
    work; its trip follows."""
    found = uow.queue.entry(entry_id)
    if found is None or found.gate_id != gate_id:
        raise NotFound(
            Wording(
                "queue entry {entry_id} does not exist at {gate_id}",
                entry_id=entry_id,
                gate_id=gate_id,
            )
        )
    with editing(uow, gate_id, found.direction, now) as board:
        # Read again under the queue's lock: a concurrent outcome may have landed since.
        row = uow.queue.entry_for_update(entry_id)
        assert row is not None  # entries are never deleted
        model.move_entry(row, status, left_at=now)
        board.leave(str(row.id))
        read = _read(board, row, now)
    uow.publish(_trip_leaving(uow, row, status, actor, now, place))
    return read


def _trip_leaving(
    uow: UnitOfWork, row: QueueEntryRow, status: str, actor: Actor, now: datetime, place: str | None
) -> TripMoved:
    # Through the gate, or back to where it was before it came: booked if its booking lives.
    if status == "crossed":
        return TripMoved(row.declaration_id, "at_gate", actor.username, now, place)
    booking = uow.queue.live_booking_for_vehicle(row.vehicle_key)
    target = (
        "booked"
        if booking is not None and booking.declaration_id == row.declaration_id
        else "declared"
    )
    return TripMoved(
        row.declaration_id, target, actor.username, now, reason="left the waiting area"
    )


def _arriving_trip(uow: UnitOfWork, actor: Actor, gate_id: str, data: ArrivalIn):  # type: ignore[no-untyped-def]
    booking = None
    if data.pass_code is not None:
        booking = uow.queue.booking_by_pass(data.pass_code)
        if booking is None or booking.gate_id != gate_id:
            raise NotFound(
                Wording("no booking at {gate} has pass {code}", gate=gate_id, code=data.pass_code)
            )
        if booking.status != "active":
            raise Conflict(
                Wording(
                    "booking is {status}: {reason}",
                    status=booking.status,
                    reason=booking.hold_reason or Wording("not usable"),
                )
            )
        declaration_id = booking.declaration_id
    elif data.plate is not None:
        declaration_id = _arriving_by_plate(uow, gate_id, data.plate)
    else:
        declaration_id = data.declaration_id
    trip = uow.declarations.trip(declaration_id, actor)
    if trip is None or trip.gate_id != gate_id:
        raise NotFound(
            Wording(
                "declaration {declaration_id} does not exist at {gate_id}",
                declaration_id=declaration_id,
                gate_id=gate_id,
            )
        )
    if trip.status not in ARRIVING:
        raise Conflict(Wording("declaration is {status}", status=Wording(trip.status)))
    if booking is None:
        found = uow.queue.live_booking_for_vehicle(plate_key(trip.tractor_plate))
        booking = found if found is not None and found.status == "active" else None
    return trip, booking


def _arriving_by_plate(uow: UnitOfWork, gate_id: str, plate: str) -> uuid.UUID:
    # The one trip of this vehicle that may join the line here; of several, the booked one.
    key = plate_key(plate)
    found = uow.declarations.expected_at_gate(gate_id, ARRIVING, [skeleton(plate)])
    trips = [t.id for t in found if plate_key(t.plate) == key]
    if len(trips) > 1:
        booking = uow.queue.live_booking_for_vehicle(key)
        trips = [booking.declaration_id] if booking and booking.declaration_id in trips else trips
    if not trips:
        raise NotFound(
            Wording("no trip on its way at {gate} has plate {plate}", gate=gate_id, plate=plate)
        )
    if len(trips) > 1:
        raise Conflict(
            Wording("{plate} has several trips on their way; type the declaration id", plate=plate)
        )
    return trips[0]


def _entry(trip, slot, booking, now, reason) -> QueueEntryRow:  # type: ignore[no-untyped-def]
    cargo = cargo_of(trip)  # a place in line keeps what suspensions look at
    return QueueEntryRow(
        id=uuid.uuid4(),
        gate_id=trip.gate_id,
        direction=trip.direction,
        declaration_id=trip.id,
        booking_id=booking.id if booking else None,
        vehicle_key=plate_key(trip.tractor_plate),
        plate=trip.tractor_plate,
        owner_id=trip.owner_id,
        arrived_at=now,
        slot_start=slot,
        flags=sorted(cargo.flags),
        hs_codes=list(cargo.hs_codes),
        delivery_mode=trip.delivery_mode,
        status="held" if reason else "waiting",
        hold_reason=reason,
    )


def _read(board: Board | None, row: QueueEntryRow | Row[Any], now: datetime) -> QueueEntryRead:
    # Without a board (held, called or finished trucks) there is no place in line to show.
    entry_id = str(row.id)
    ahead = lane = eta = None
    if board is not None and entry_id in board.queue:
        ahead = board.queue.position(entry_id, now)
        lane = board.queue.lane_of(entry_id, now)
        eta = board.eta(ahead, now)
        if eta is not None and row.slot_start is not None:
            eta = max(eta, row.slot_start)  # booked trucks are not called before their hour
    return QueueEntryRead(
        id=row.id,
        declaration_id=row.declaration_id,
        gate_id=row.gate_id,
        direction=row.direction,
        plate=row.plate,
        status=row.status,
        lane=lane,
        position=ahead,
        eta=eta,
        arrived_at=row.arrived_at,
        slot_start=row.slot_start,
        hold_reason=row.hold_reason,
        called_at=row.called_at,
        called_lane=row.called_lane,
    )


def _ensure_runs_gate(actor: Actor, gate_id: str) -> None:
    if not actor.runs(gate_id):
        raise Forbidden(
            Wording("only an operator of {gate_id} runs its waiting area", gate_id=gate_id)
        )


def _ensure_sees_gate(actor: Actor, gate_id: str) -> None:
    if actor.oversees(gate_id):
        return
    raise Forbidden(
        Wording("only operators of {gate_id} and authorities see its queue board", gate_id=gate_id)
    )


def _may_see(uow: UnitOfWork, actor: Actor, row: QueueEntryRow) -> bool:
    # The entry keeps its trip's owner and gate, which settles most look-ups without a query;
    # a company's trucks need the trip.
    if actor.scope.allows(owner_id=row.owner_id, gate_id=row.gate_id):
        return True
    return uow.declarations.get_visible(row.declaration_id, actor) is not None


def notices(*, uow: UnitOfWork, actor: Actor) -> list[NoticeRead]:
    """The newest messages about the actor's trucks."""
    with uow:
        return [NoticeRead.model_validate(n) for n in uow.queue.notices_of(actor)]


# --- following the trip ---------------------------------------------------------------------


def release_cancelled_trip(uow: UnitOfWork, event: TripMoved) -> None:
    """A cancelled trip gives back its booked hour and its place in line, in the unit of work
    that cancelled it, so neither blocks the vehicle or the hour any longer."""
    if event.target != "cancelled":
        return
    booking = uow.queue.live_booking_of_trip(event.declaration_id)
    if booking is not None:
        uow.queue.release_place(booking.gate_id, booking.direction, booking.slot_start)
        before = booking.status
        model.move_booking(booking, "cancelled", "trip cancelled")
        booking.cancelled_at = event.at
        uow.publish(booking_changed(booking, "booking.cancelled", event.actor, event.at, before))
    entry = uow.queue.entry_in_queue_of_trip(event.declaration_id)
    if entry is not None:
        with editing(uow, entry.gate_id, entry.direction, event.at) as board:
            row = uow.queue.entry_for_update(entry.id)
            assert row is not None  # entries are never deleted
            before = row.status
            model.move_entry(row, "left", left_at=event.at)
            board.leave(str(row.id))
        uow.publish(entry_changed(row, event.actor, event.at, before))


def entry_changed(row: QueueEntryRow, actor: str, now: datetime, before: str) -> Changed:
    """A place in line's change as the audit log keeps it."""
    return Changed(
        "queue_entry", str(row.id), f"queue_entry.{row.status}", actor, now, row.gate_id,
        row.declaration_id, before={"status": before}, after={"status": row.status},
        reason=row.hold_reason,
    )  # fmt: skip


def tell_the_drivers(uow: UnitOfWork, events: list[TripMoved]) -> None:
    """The drivers hear of the steps that concern them after the call (held and why, refused,
    cleared, crossed), once their trips have taken the steps: one look-up and one insert for
    a run of steps."""
    told = [event for event in events if event.target in model.TRIP_NOTICES]
    if not told:
        return
    trips = {t.id: t for t in uow.declarations.lock_trips({e.declaration_id for e in told})}
    notices = []
    for event in told:
        trip = trips.get(event.declaration_id)
        if trip is None or trip.status != event.target:
            continue  # the step did not apply (the trip was elsewhere): nothing to tell
        addressee = model.Addressee(trip.id, trip.owner_id, trip.tractor_plate)
        text_id = model.TRIP_NOTICES[event.target]
        notices.append(notice(addressee, text_id, event.at, reason=event.reason or ""))
    uow.queue.add_notices(notices)
