"""Policy changes that move trucks: capacity declarations, suspensions, gate rules.

They live with the queue because each one re-plans bookings or re-orders the waiting area in
the same unit of work that records the change.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from smartgate.policy import model as policy
from smartgate.policy.schemas import (
    CapacityDay,
    CapacityHour,
    CapacityIn,
    GateRulesIO,
    SuspensionIn,
    SuspensionRead,
)
from smartgate.policy.tables import SuspensionRow
from smartgate.queue import model
from smartgate.queue.boards import editing, policy_of
from smartgate.queue.model import notice
from smartgate.queue.services import cargo_of, check_date
from smartgate.queue.tables import BookingRow
from smartgate.queue.waiting_area import sync_holds
from smartgate.registry.model import DIRECTIONS
from smartgate.shared.actor import Actor
from smartgate.shared.clock import SIDE_TZ, as_utc, local_day_start, utcnow
from smartgate.shared.errors import Conflict, Forbidden, NotFound
from smartgate.uow import UnitOfWork


def declare_capacity(
    *,
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str,
    data: CapacityIn,
    own_side: str,
    now: datetime | None = None,
) -> CapacityDay:
    """Record one side's trucks per hour; bookings that no longer fit move to the next free
    hour (the live queue gives way first), and every moved truck gets a notice."""
    now = now or utcnow()
    _ensure_authority(actor)
    if data.day:
        check_date(data.day, "day", now)
    side = data.side or own_side
    with uow:
        rules = _rules_of_gate(uow, gate_id)
        this_hour = model.hour_start(now)
        before = policy_of(uow, gate_id, data.direction).capacity_at(this_hour)
        day = data.day or now.astimezone(SIDE_TZ[side]).date()
        hours = _utc_hours(day, side, data.from_hour, data.to_hour)
        # A dated figure is stored per UTC date; a standing one holds for every day.
        by_day = _by_utc_day(hours) if data.day else {None: [h.hour for h in hours]}
        for utc_day, utc_hours in by_day.items():
            uow.policy.replace_capacity(
                gate_id=gate_id,
                side=side,
                direction=data.direction,
                lane=data.lane,
                day=utc_day,
                hours=dict.fromkeys(utc_hours, data.trucks_per_hour),
                by=actor.username,
                at=now,
            )
        uow.session.flush()
        _replan(uow, gate_id, data.direction, now, rules.window_days, rules.booking_share)
        with editing(uow, gate_id, data.direction, now, fresh_policy=True) as board:
            after = board.policy.capacity_at(this_hour)
            if after < before:
                _tell_the_waiting_area(uow, gate_id, data.direction, before, after, now)
        result = _capacity_day(uow, gate_id, data.direction, day, side)
        uow.commit()
        return result


def capacity_day(
    *,
    uow: UnitOfWork,
    gate_id: str,
    direction: str,
    day: date,
    side: str,
    now: datetime | None = None,
) -> CapacityDay:
    """A gate's capacity for each hour of a local date: each side's figure and the minimum."""
    check_date(day, "date", now or utcnow())
    with uow:
        _rules_of_gate(uow, gate_id)
        return _capacity_day(uow, gate_id, direction, day, side)


def suspend(
    *, uow: UnitOfWork, actor: Actor, data: SuspensionIn, now: datetime | None = None
) -> SuspensionRead:
    """Stop some traffic; affected bookings and waiting trucks are held with the reason."""
    now = now or utcnow()
    _ensure_authority(actor)
    with uow:
        if data.gate_id is not None:
            _rules_of_gate(uow, data.gate_id)
        row = SuspensionRow(
            gate_id=data.gate_id,
            direction=data.direction,
            hs_prefixes=list(data.hs_prefixes),
            flags=list(data.flags),
            starts_at=as_utc(data.starts_at) if data.starts_at else now,
            ends_at=as_utc(data.ends_at) if data.ends_at else None,
            reason=data.reason,
            created_by=actor.username,
            created_at=now,
        )
        uow.policy.add_suspension(row)
        _apply_everywhere(uow, actor, row.gate_id, row.direction, now)
        read = SuspensionRead.model_validate(row)
        uow.commit()
        return read


def lift(
    *, uow: UnitOfWork, actor: Actor, suspension_id: int, now: datetime | None = None
) -> SuspensionRead:
    """End a suspension now; held trucks go back to their old places, in order."""
    now = now or utcnow()
    _ensure_authority(actor)
    with uow:
        row = uow.policy.suspension(suspension_id)
        if row is None:
            raise NotFound(f"suspension {suspension_id} does not exist")
        if row.ends_at is not None and row.ends_at <= now:
            raise Conflict(
                f"suspension {suspension_id} already ended at {row.ends_at:%Y-%m-%d %H:%M} UTC"
            )
        row.ends_at, row.lifted_by = max(now, row.starts_at), actor.username
        _apply_everywhere(uow, actor, row.gate_id, row.direction, now)
        read = SuspensionRead.model_validate(row)
        uow.commit()
        return read


def suspensions(
    *, uow: UnitOfWork, gate_id: str | None, current_only: bool, now: datetime | None = None
) -> list[SuspensionRead]:
    """Suspensions (of one gate, or all), optionally only those not yet ended."""
    now = now or utcnow()
    with uow:
        rows = uow.policy.suspensions(gate_id=gate_id, current_at=now if current_only else None)
        return [SuspensionRead.model_validate(r) for r in rows]


def gate_rules(*, uow: UnitOfWork, gate_id: str) -> GateRulesIO:
    """A gate's queue and booking rules."""
    with uow:
        return GateRulesIO.model_validate(_rules_of_gate(uow, gate_id))


def set_gate_rules(
    *, uow: UnitOfWork, actor: Actor, gate_id: str, data: GateRulesIO, now: datetime | None = None
) -> GateRulesIO:
    """Change a gate's rules; the waiting area re-orders (and re-checks green zone) at once."""
    now = now or utcnow()
    _ensure_authority(actor)
    with uow:
        _rules_of_gate(uow, gate_id)
        values = data.model_dump()
        values["priority_order"] = tuple(values["priority_order"])
        uow.policy.save_rules(gate_id, policy.GateRules(**values), by=actor.username, at=now)
        uow.session.flush()
        _apply_everywhere(uow, actor, gate_id, None, now)
        uow.commit()
        return data


# --- helpers ----------------------------------------------------------------------------


def _ensure_authority(actor: Actor) -> None:
    if actor.role != "authority":
        raise Forbidden("only the border authority sets capacity, suspensions and gate rules")


def _rules_of_gate(uow: UnitOfWork, gate_id: str) -> policy.GateRules:
    if uow.registry.gate_name(gate_id) is None:
        raise NotFound(f"gate {gate_id!r} does not exist")
    return uow.policy.rules(gate_id)


def _utc_hours(day: date, side: str, from_hour: int, to_hour: int) -> list[datetime]:
    start = local_day_start(day, SIDE_TZ[side])
    return [start + timedelta(hours=h) for h in range(from_hour, to_hour)]


def _by_utc_day(hours: list[datetime]) -> dict[date | None, list[int]]:
    found: dict[date | None, list[int]] = {}
    for moment in hours:
        found.setdefault(moment.date(), []).append(moment.hour)
    return found


def _capacity_day(
    uow: UnitOfWork, gate_id: str, direction: str, day: date, side: str
) -> CapacityDay:
    figures = uow.policy.capacity(gate_id, direction)
    hours = []
    for moment in _utc_hours(day, side, 0, 24):
        vn = policy.side_capacity(figures, "VN", moment.date(), moment.hour)
        cn = policy.side_capacity(figures, "CN", moment.date(), moment.hour)
        effective = policy.effective_capacity(figures, moment.date(), moment.hour)
        hours.append(CapacityHour(start=moment, vn=vn, cn=cn, effective=effective))
    return CapacityDay(gate_id=gate_id, direction=direction, day=day, hours=hours)  # type: ignore[arg-type]


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
            return notice(row, "moved", now, slot=slot, new_slot=candidate)
        candidate += model.SLOT
    # Displaced, not held: the vehicle is free to book again at once.
    row.status, row.hold_reason = "displaced", "capacity reduced; no free hour in the window"
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
    trips = uow.declarations.trips([row.declaration_id for row in bookings], actor)
    for row in bookings:
        trip = trips[row.declaration_id]
        reason = policy.stop_reason(
            stops, cargo_of(trip), row.slot_start, trip.delivery_mode, rules
        )
        if reason and row.status == "active":
            row.status, row.hold_reason = "held", reason
            uow.queue.add_notices([notice(row, "booking_held", now, reason=reason)])
        elif not reason and row.status == "held":
            row.status, row.hold_reason = "active", None
            uow.queue.add_notices([notice(row, "booking_released", now)])
