"""The gate as it stands, for planning: what the simulator needs to replay the next hours.

A snapshot holds the gate's rules, both sides' declared capacity, the suspensions in force or
announced, the trucks waiting or held now, the bookings still to come and the walk-up trucks
of the last week (the demand to expect), as plain values with no rows or sessions.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from smartgate.policy.model import CapacityFigure, Cargo, GateRules, Suspension
from smartgate.queue.boards import policy_of
from smartgate.queue.services import cargo_of, entry_cargo
from smartgate.shared.actor import Actor
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import Forbidden, NotFound
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

RECENT = timedelta(days=7)
HOUR = timedelta(hours=1)  # walk-up trucks of this long ago tell the demand to expect


@dataclass(frozen=True)
class TruckNow:
    """A truck waiting (or held) now, a booking still to come, or a recent walk-up."""

    cargo: Cargo
    arrived_at: datetime | None = None  # None: a booking whose truck has not come yet
    slot_start: datetime | None = None
    delivery_mode: str = "direct"  # as declared: green-zone mode holds a direct crossing


@dataclass(frozen=True)
class GateSnapshot:
    """One gate direction as it stands at `taken_at` (UTC)."""

    gate_id: str
    direction: str
    side: str  # whose clock the gate's hours are read on
    taken_at: datetime
    rules: GateRules
    capacity: tuple[CapacityFigure, ...]
    suspensions: tuple[Suspension, ...]
    waiting: tuple[TruckNow, ...]
    bookings: tuple[TruckNow, ...]
    walk_ups: tuple[TruckNow, ...]  # the last week's, for the demand
    lanes_open: int
    yard_capacity: int | None  # None: the gate has no yard on record
    open_utc: time
    close_utc: time


def gate_snapshot(
    *,
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str,
    direction: str,
    side: str,
    until: datetime,
    now: datetime | None = None,
) -> GateSnapshot:
    """The gate direction as it stands, with the bookings up to `until`."""
    now = now or utcnow()
    if not actor.oversees(gate_id):
        raise Forbidden(
            Wording(
                "only operators of {gate_id} and authorities plan its capacity", gate_id=gate_id
            )
        )
    with uow:
        gate = uow.registry.get_gate(gate_id)
        if gate is None:
            raise NotFound(Wording("gate {gate} does not exist", gate=repr(gate_id)))
        policy = policy_of(uow, gate_id, direction)
        entries = uow.queue.entries(gate_id, direction, ("waiting", "held"))
        arrived = {e.booking_id for e in entries if e.booking_id is not None}
        coming = uow.queue.bookings_between(gate_id, now - HOUR, until, ("active", "held"))
        bookings = [b for b in coming if b.direction == direction and b.id not in arrived]
        walk_ups = uow.queue.walk_ups_between(gate_id, direction, now - RECENT, now)
        yards = [y.capacity_trucks for y in gate.yards]
        return GateSnapshot(
            gate_id=gate_id,
            direction=direction,
            side=side,
            taken_at=now,
            rules=policy.rules,
            capacity=policy.capacity,
            suspensions=tuple(s for s in policy.suspensions if _still_to_stop(s, now)),
            waiting=tuple(
                TruckNow(entry_cargo(e), e.arrived_at, e.slot_start, e.delivery_mode)
                for e in entries
            ),
            bookings=_booked(uow, actor, bookings),
            walk_ups=tuple(
                TruckNow(entry_cargo(e), e.arrived_at, None, e.delivery_mode) for e in walk_ups
            ),
            lanes_open=sum(
                1 for lane in gate.lanes if lane.direction == direction and lane.is_open
            ),
            yard_capacity=sum(yards) if yards else None,
            open_utc=gate.open_utc,
            close_utc=gate.close_utc,
        )


def _still_to_stop(suspension: Suspension, now: datetime) -> bool:
    # In force or announced; one lifted before it began (it ends as it starts) stops nothing.
    ends = suspension.ends_at
    return ends is None or (ends > now and ends > suspension.starts_at)


def _booked(uow: UnitOfWork, actor: Actor, bookings: list) -> tuple[TruckNow, ...]:  # type: ignore[type-arg]
    trips = uow.declarations.trips([b.declaration_id for b in bookings], actor)
    return tuple(
        TruckNow(
            cargo_of(trips[b.declaration_id]),
            None,
            b.slot_start,
            trips[b.declaration_id].delivery_mode,
        )
        for b in bookings
        if b.declaration_id in trips
    )
