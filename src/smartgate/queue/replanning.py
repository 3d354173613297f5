"""How the queue follows the authority's policy changes: bookings that no longer fit move
forward, holds follow suspensions and green zone, the line re-orders under new rules.

These run as handlers of the policy's events, in the unit of work that made the change.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from smartgate.policy import model as policy
from smartgate.policy.model import CapacityDeclared, RulesChanged, StopsChanged
from smartgate.queue import model
from smartgate.queue.boards import editing
from smartgate.queue.model import notice
from smartgate.queue.services import booking_changed, cargo_of, unbooked
from smartgate.queue.tables import BookingRow
from smartgate.queue.waiting_area import sync_holds
from smartgate.registry.model import DIRECTIONS
from smartgate.shared.actor import Actor
from smartgate.uow import UnitOfWork


def follow_capacity(uow: UnitOfWork, event: CapacityDeclared) -> None:
    """Bookings that no longer fit move forward; if this hour slowed, the line hears why."""
    rules = uow.policy.rules(event.gate_id)
    _replan(uow, event.gate_id, event.direction, event.at, rules.window_days, rules.booking_share)
    this_hour = model.hour_start(event.at)
    with editing(uow, event.gate_id, event.direction, event.at, fresh_policy=True) as board:
        after = board.policy.capacity_at(this_hour)
        if after < event.before:
            _tell_the_waiting_area(
                uow, event.gate_id, event.direction, event.before, after, event.at
            )


def follow_stops(uow: UnitOfWork, event: StopsChanged) -> None:
    """Hold what a suspension stops and release what it no longer does."""
    _apply_everywhere(uow, event.by, event.gate_id, event.direction, event.at)


def follow_rules(uow: UnitOfWork, event: RulesChanged) -> None:
    """Re-order the line and re-check green zone under the gate's new rules."""
    _apply_everywhere(uow, event.by, event.gate_id, None, event.at)


def _tell_the_waiting_area(
    uow: UnitOfWork, gate_id: str, direction: str, before: int, after: int, now: datetime
) -> None:
    # Live-queue trucks keep their place but will be called later: they hear it from us.
    uow.queue.add_notices(
        [
            notice(row, "slower", now, after=after, before=before)
            for row in uow.queue.entries(gate_id, direction, ("waiting", "held"))
        ]
    )


def _replan(
    uow: UnitOfWork, gate_id: str, direction: str, now: datetime, window_days: int, share: float
) -> None:
    # Keep each booked hour while it fits; bookings may use the hour's whole capacity, so the
    # live queue gives way first. The latest-made bookings of an overfull hour move forward.
    first = model.hour_start(now)
    last = first + timedelta(days=window_days)
    figures = uow.policy.capacity(gate_id, direction)

    def capacity(slot: datetime) -> int:
        return policy.effective_capacity(figures, slot.date(), slot.hour)

    notices = []
    for slot, count in sorted(uow.queue.booked_counts(gate_id, direction, first, last).items()):
        if count <= capacity(slot):
            continue
        booked = uow.queue.bookings_in_slot(gate_id, direction, slot)
        for row in reversed(booked[capacity(slot) :]):
            notices.append(_move_forward(uow, row, slot, last, share, capacity, now))
    uow.queue.add_notices(notices)


def _move_forward(
    uow: UnitOfWork,
    row: BookingRow,
    slot: datetime,
    last: datetime,
    share: float,
    capacity: Callable[[datetime], int],
    now: datetime,
) -> dict[str, Any]:
    uow.queue.release_place(row.gate_id, row.direction, slot)
    candidate = slot + model.SLOT
    while candidate < last:
        quota = model.booking_quota(capacity(candidate), share)
        if quota and uow.queue.take_place(row.gate_id, row.direction, candidate, quota):
            row.slot_start = candidate
            uow.publish(
                booking_changed(
                    row, "booking.moved", "smartgate", now, {"slot_start": slot.isoformat()}
                )
            )
            return notice(row, "moved", now, slot=slot, new_slot=candidate)
        candidate += model.SLOT
    # Displaced, not held: the vehicle is free to book again at once.
    model.move_booking(row, "displaced", "capacity reduced; no free hour in the window")
    uow.publish(booking_changed(row, "booking.displaced", "smartgate", now, "active"))
    uow.publish(unbooked(row.declaration_id, "smartgate", now, "capacity reduced"))
    return notice(row, "displaced", now, slot=slot)


def _apply_everywhere(
    uow: UnitOfWork, actor: Actor, gate_id: str | None, direction: str | None, now: datetime
) -> None:
    gates = [gate_id] if gate_id else [g.id for g in uow.registry.list_gates()]
    directions = [direction] if direction else list(DIRECTIONS)
    for gate in gates:
        for way in directions:
            with editing(uow, gate, way, now, fresh_policy=True) as board:
                sync_holds(uow, board, gate, way, now)
        _sync_booking_holds(uow, actor, gate, now)


def _sync_booking_holds(uow: UnitOfWork, actor: Actor, gate_id: str, now: datetime) -> None:
    rules = uow.policy.rules(gate_id)
    start = model.hour_start(now)
    stops = uow.policy.stops(gate_id, current_at=start)
    bookings = uow.queue.bookings_between(
        gate_id, start, start + timedelta(days=rules.window_days + 1), ("active", "held")
    )
    # A truck already in line is held or released by its place in line, not its booking.
    in_line = uow.queue.bookings_in_line(gate_id)
    bookings = [row for row in bookings if row.id not in in_line]
    trips = uow.declarations.trips([row.declaration_id for row in bookings], actor)
    for row in bookings:
        trip = trips.get(row.declaration_id)
        if trip is None:
            continue  # not a declared trip any more: nothing to hold
        reason = policy.stop_reason(
            stops, cargo_of(trip), row.slot_start, trip.delivery_mode, rules
        )
        if reason and row.status == "active":
            model.move_booking(row, "held", reason)
            uow.queue.add_notices([notice(row, "booking_held", now, reason=reason)])
            uow.publish(booking_changed(row, "booking.held", actor.username, now, "active"))
        elif not reason and row.status == "held":
            model.move_booking(row, "active")
            uow.queue.add_notices([notice(row, "booking_released", now)])
            uow.publish(booking_changed(row, "booking.released", actor.username, now, "held"))
