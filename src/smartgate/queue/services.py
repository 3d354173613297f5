"""Booking use-cases: see slots, book, move, cancel; the anti-hoarding rules live here."""

import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from smartgate.declarations.model import TractorChanged, Trip
from smartgate.declarations.plates import plate_key
from smartgate.declarations.tables import DeclarationRow
from smartgate.policy.model import Cargo, GatePolicy, GateRules
from smartgate.policy.services import check_date
from smartgate.queue import model
from smartgate.queue import repository as queue_repository
from smartgate.queue.boards import policy_of
from smartgate.queue.schemas import (
    BookingCreate,
    BookingMove,
    BookingRead,
    CancellationCount,
    CancellationStats,
    SlotDay,
    SlotRead,
)
from smartgate.queue.tables import LIVE_STATUSES, BookingRow
from smartgate.shared.actor import Actor
from smartgate.shared.audit import Changed
from smartgate.shared.clock import SIDE_TZ, as_utc, local_day_start, utcnow
from smartgate.shared.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from smartgate.shared.lifecycle import TripMoved
from smartgate.shared.terms import FLAGS
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

BOOKING_ROLES = frozenset({"driver", "forwarder"})
# A trip books until its truck is called (one live booking each: the booking rules say so);
# a booking moves until the call too.
DECLARED, BOOKED = frozenset({"declared"}), frozenset({"booked"})
BEFORE_THE_CALL = frozenset({"declared", "booked", "waiting"})


def cargo_of(row: DeclarationRow | Trip) -> Cargo:
    """What suspensions look at in a declaration."""
    flags = {f for g in row.goods for f in FLAGS if getattr(g, f)}
    return Cargo(row.gate_id, row.direction, tuple(g.hs_code for g in row.goods), frozenset(flags))


def entry_cargo(row: Any) -> Cargo:
    """What suspensions look at in a place in line (it keeps its goods' codes and flags)."""
    return Cargo(row.gate_id, row.direction, tuple(row.hs_codes), frozenset(row.flags))


def slots(
    *,
    uow: UnitOfWork,
    gate_id: str,
    direction: str,
    day: date,
    side: str,
    now: datetime | None = None,
) -> SlotDay:
    """Every hour of a local date with capacity: how many places are booked and left."""
    check_date(day, "date", now or utcnow())
    start = local_day_start(day, SIDE_TZ[side])
    end = start + timedelta(days=1)
    with uow:
        if uow.registry.gate_name(gate_id) is None:
            raise NotFound(Wording("gate {gate} does not exist", gate=repr(gate_id)))
        gate = policy_of(uow, gate_id, direction)
        booked = uow.queue.booked_counts(gate_id, direction, start, end)
        found = []
        for hour in range(24):
            slot = start + timedelta(hours=hour)
            capacity = gate.capacity_at(slot)
            if capacity == 0:
                continue
            quota = model.booking_quota(capacity, gate.rules.booking_share)
            taken = booked.get(slot, 0)
            found.append(
                SlotRead(
                    start=slot,
                    end=slot + model.SLOT,
                    capacity=capacity,
                    quota=quota,
                    booked=taken,
                    remaining=max(0, quota - taken),
                )
            )
        return SlotDay(gate_id=gate_id, direction=direction, date=day, slots=found)  # type: ignore[arg-type]


def book(
    *, uow: UnitOfWork, actor: Actor, data: BookingCreate, now: datetime | None = None
) -> BookingRead:
    """Book an hourly slot for a declared trip: one live booking per vehicle and per trip,
    within quota and the booking account's rate limit. Every request counts against that
    limit, whatever comes of it."""
    now = now or utcnow()
    _ensure_may_book(actor)
    try:
        with uow:
            trip = _declared_trip(uow, actor, data.declaration_id)
            gate = policy_of(uow, trip.gate_id, trip.direction)
            vehicle = plate_key(trip.tractor_plate)
            record = _counted_record(uow, actor, trip, vehicle, gate.rules, now)
            slot = as_utc(data.slot_start)
            booking = _booking(uow, actor, trip, vehicle, record, gate, slot, now)
            # A truck already in line stays waiting: its booking is used when it is called.
            # The trip's step carries the booking into the audit log; a waiting trip takes no
            # step, so the log hears of its booking on its own.
            made = {"booking_id": str(booking["id"]), "slot_start": slot.isoformat()}
            if trip.status in DECLARED:
                step = TripMoved(
                    trip.id, "booked", actor.username, now, slot.isoformat(), details=made,
                    only_from=DECLARED,
                )  # fmt: skip
                uow.publish(step)
            else:
                made_while_waiting = Changed(
                    "booking", made["booking_id"], "booking.made", actor.username, now,
                    trip.gate_id, trip.id, after=made | {"status": "active"},
                )  # fmt: skip
                uow.publish(made_while_waiting)
            uow.commit()
            return BookingRead.model_validate(booking)
    except DomainError:
        # The refusal rolled the request's count back with the rest: it counts on its own.
        with uow.autocommit() as connection:
            queue_repository.count_request(connection, actor.user_id, now)
        raise


def _counted_record(
    uow: UnitOfWork, actor: Actor, trip: Trip, vehicle: str, rules: GateRules, now: datetime
) -> model.VehicleRecord:
    record = uow.queue.count_request_and_record(
        vehicle,
        trip.id,
        account_id=actor.user_id,
        per_minute=rules.bookings_per_minute,
        now=now,
        no_shows_since=now - timedelta(days=rules.no_show_block_days),
    )
    too_fast = model.rate_fault(record, rules.bookings_per_minute, now)
    if too_fast:
        raise TooManyRequests(too_fast, retry_after=model.rate_retry_seconds(record, now))
    return record


def _booking(
    uow: UnitOfWork,
    actor: Actor,
    trip: Trip,
    vehicle: str,
    record: model.VehicleRecord,
    gate: GatePolicy,
    slot: datetime,
    now: datetime,
) -> dict[str, Any]:
    # Every rule a new booking must meet, then its place taken and the booking stored.
    _check_slot(slot, now, gate.rules)
    check_still_valid(trip, gate.rules, now)
    _check_history(uow, actor, trip, vehicle, record, gate.rules, now)
    _check_crossing_allowed(gate, trip, slot)
    quota = _quota(gate, slot)
    booking = {
        "id": uuid.uuid4(),
        "declaration_id": trip.id,
        "gate_id": trip.gate_id,
        "direction": trip.direction,
        "slot_start": slot,
        "vehicle_key": vehicle,
        "plate": trip.tractor_plate,
        "owner_id": trip.owner_id,
        "company": trip.company,
        "status": "active",
        "hold_reason": None,
        "reschedules": 0,
        "pass_code": model.new_pass_code(secrets.choice),
        "created_at": now,
    }
    try:
        booked = uow.queue.take_place_and_store(booking, quota)
    except IntegrityError as exc:  # a concurrent request booked the vehicle or trip first
        raise Conflict(
            Wording("vehicle {plate} already holds a booking", plate=trip.tractor_plate)
        ) from exc
    if not booked:
        raise _full(slot, quota)
    return booking


def move(
    *,
    uow: UnitOfWork,
    actor: Actor,
    booking_id: uuid.UUID,
    data: BookingMove,
    now: datetime | None = None,
) -> BookingRead:
    """Move a booking to another hour, within the gate's limit on reschedules."""
    now = now or utcnow()
    slot = as_utc(data.slot_start)
    with uow:
        row = _changeable_booking(uow, actor, booking_id)
        gate = policy_of(uow, row.gate_id, row.direction)
        rules = gate.rules
        if row.reschedules >= rules.max_reschedules:
            raise Conflict(
                Wording(
                    "booking was already moved {moves} times; the limit is {limit}. Cancel it "
                    "and book again",
                    moves=row.reschedules,
                    limit=rules.max_reschedules,
                )
            )
        _check_slot(slot, now, rules)
        if slot == row.slot_start:
            raise ValidationFailed(
                [FieldError("slot_start", Wording("is the slot already booked"))]
            )
        trip = _declared_trip(uow, actor, row.declaration_id)
        _check_crossing_allowed(gate, trip, slot)
        _take_place(uow, gate, row.gate_id, row.direction, slot)
        uow.queue.release_place(row.gate_id, row.direction, row.slot_start)
        uow.publish(
            booking_changed(
                row, "booking.moved", actor.username, now,
                {"slot_start": row.slot_start.isoformat()}, {"slot_start": slot.isoformat()},
            )
        )  # fmt: skip
        row.slot_start, row.reschedules = slot, row.reschedules + 1
        uow.commit()
        return BookingRead.model_validate(row)


def cancel(
    *, uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID, now: datetime | None = None
) -> BookingRead:
    """Give a slot back; the cancellation counts against the vehicle and its company."""
    now = now or utcnow()
    with uow:
        row = _changeable_booking(uow, actor, booking_id)
        uow.queue.release_place(row.gate_id, row.direction, row.slot_start)
        before = row.status
        model.move_booking(row, "cancelled")
        row.cancelled_at = now
        uow.publish(booking_changed(row, "booking.cancelled", actor.username, now, before))
        uow.publish(unbooked(row.declaration_id, actor.username, now, "booking cancelled"))
        uow.commit()
        return BookingRead.model_validate(row)


def booking_changed(
    row: BookingRow,
    action: str,
    actor: str,
    now: datetime,
    before: str | dict[str, Any] | None,
    after: dict[str, Any] | None = None,
) -> Changed:
    """A booking's change as the audit log keeps it (a bare state stands for its status)."""
    return Changed(
        "booking", str(row.id), action, actor, now, row.gate_id, row.declaration_id,
        before={"status": before} if isinstance(before, str) else before,
        after=after or {"status": row.status, "slot_start": row.slot_start.isoformat()},
        reason=row.hold_reason,
    )  # fmt: skip


def unbooked(declaration_id: uuid.UUID, actor: str, now: datetime, reason: str) -> TripMoved:
    """A booked trip whose booking ended goes back to declared (one already in line stays)."""
    return TripMoved(declaration_id, "declared", actor, now, reason=reason, only_from=BOOKED)


def follow_new_tractor(uow: UnitOfWork, event: TractorChanged) -> None:
    """A trip's live booking and place in line follow its new tractor plate, so the one-per-
    vehicle rule holds for the truck that will come; refused when that vehicle already holds
    a booking or a place of its own."""
    try:
        uow.queue.follow_vehicle(event.declaration_id, plate_key(event.plate), event.plate)
    except IntegrityError as exc:
        raise Conflict(
            Wording("vehicle {plate} already holds a booking", plate=event.plate)
        ) from exc


def get_booking(*, uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID) -> BookingRead:
    """One booking the actor may see."""
    with uow:
        row = uow.queue.booking(booking_id, actor)
        if row is None:
            raise NotFound(Wording("booking {booking_id} does not exist", booking_id=booking_id))
        return BookingRead.model_validate(row)


def my_bookings(*, uow: UnitOfWork, actor: Actor) -> list[BookingRead]:
    """The actor's bookings, latest slot first."""
    with uow:
        return [BookingRead.model_validate(r) for r in uow.queue.bookings_of(actor)]


def cancellation_stats(
    *, uow: UnitOfWork, actor: Actor, gate_id: str, days: int, now: datetime | None = None
) -> CancellationStats:
    """Cancellations per company and per vehicle over the last `days`, most first."""
    if not actor.oversees(gate_id):
        raise Forbidden(
            Wording(
                "only authorities and operators of {gate_id} see cancellation counts",
                gate_id=gate_id,
            )
        )
    since = (now or utcnow()) - timedelta(days=days)
    with uow:
        if uow.registry.gate_name(gate_id) is None:
            raise NotFound(Wording("gate {gate} does not exist", gate=repr(gate_id)))

        def counts(key: str) -> list[CancellationCount]:
            found = uow.queue.cancellations_by(key, gate_id, since)
            return [CancellationCount(name=name, cancellations=n) for name, n in found]

        return CancellationStats(
            gate_id=gate_id, since=since, by_company=counts("company"), by_vehicle=counts("plate")
        )


def _ensure_may_book(actor: Actor) -> None:
    if actor.role not in BOOKING_ROLES:
        raise Forbidden(Wording("only drivers and forwarders book crossing slots"))


def _declared_trip(
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    statuses: frozenset[str] = BEFORE_THE_CALL,
) -> Trip:
    trip = uow.declarations.trip(declaration_id, actor)
    if trip is None:
        raise NotFound(
            Wording("declaration {declaration_id} does not exist", declaration_id=declaration_id)
        )
    if trip.status not in statuses:
        raise Conflict(
            Wording(
                "declaration is {status}; only {statuses} trips can book",
                status=trip.status,
                statuses=" or ".join(sorted(statuses)),
            )
        )
    return trip


def check_still_valid(trip: Trip, rules: GateRules, now: datetime) -> None:
    """Refuse a trip whose declaration ran out before it booked or joined the line."""
    fault = model.declaration_fault(trip.expected_arrival, now, rules.declaration_valid_hours)
    if fault:
        raise Conflict(fault)


def _check_slot(slot: datetime, now: datetime, rules: GateRules) -> None:
    fault = model.slot_fault(slot, now, rules.window_days)
    if fault:
        raise ValidationFailed([FieldError("slot_start", fault)])


def _check_history(
    uow: UnitOfWork,
    actor: Actor,
    trip: Trip,
    vehicle: str,
    record: model.VehicleRecord,
    rules: GateRules,
    now: datetime,
) -> None:
    block = timedelta(days=rules.no_show_block_days)
    cooldown = timedelta(minutes=rules.rebook_cooldown_minutes)
    fault = model.no_show_fault(record, rules.no_show_limit, block) or model.cancellation_fault(
        record, rules.cancel_limit, cooldown, now
    )
    if fault:
        raise Conflict(fault)
    if record.trip_booking is not None:
        raise Conflict(
            Wording(
                "this trip already holds booking {id}; move or cancel it", id=record.trip_booking
            )
        )
    held = uow.queue.live_booking_for_vehicle(vehicle) if record.live_booking else None
    if held is None:
        return
    # Only what the account may see anyway: another account's booking stays its own.
    if not actor.scope.allows(owner_id=held.owner_id, company=held.company, gate_id=held.gate_id):
        raise Conflict(Wording("vehicle {plate} already holds a booking", plate=trip.tractor_plate))
    raise Conflict(
        Wording(
            "vehicle {plate} already holds booking {id} for {slot}; cancel or move it first",
            plate=held.plate,
            id=held.id,
            slot=held.slot_start,
        )
    )


def _check_crossing_allowed(gate: GatePolicy, trip: Trip, slot: datetime) -> None:
    reason = gate.stop_reason(cargo_of(trip), slot, trip.delivery_mode)
    if reason:
        raise Conflict(Wording("cannot book {slot}: {reason}", slot=slot, reason=reason))


def _quota(gate: GatePolicy, slot: datetime) -> int:
    quota = model.booking_quota(gate.capacity_at(slot), gate.rules.booking_share)
    if quota == 0:
        raise Conflict(Wording("no bookable capacity at {slot} (gate closed?)", slot=slot))
    return quota


def _full(slot: datetime, quota: int) -> Conflict:
    return Conflict(
        Wording("slot {slot} is full ({quota} places); pick another", slot=slot, quota=quota)
    )


def _take_place(
    uow: UnitOfWork, gate: GatePolicy, gate_id: str, direction: str, slot: datetime
) -> None:
    quota = _quota(gate, slot)
    if not uow.queue.take_place(gate_id, direction, slot, quota):
        raise _full(slot, quota)


def _changeable_booking(uow: UnitOfWork, actor: Actor, booking_id: uuid.UUID) -> BookingRow:
    _ensure_may_book(actor)
    row = uow.queue.booking_for_update(booking_id, actor)
    if row is None:
        raise NotFound(Wording("booking {booking_id} does not exist", booking_id=booking_id))
    if row.status not in LIVE_STATUSES:
        raise Conflict(Wording("booking is {status}; it can no longer change", status=row.status))
    return row
