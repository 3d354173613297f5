"""Yard use-cases: who is in which yard, how full each is and how long trucks stay; a truck
entering or leaving a yard, from a camera read or by an operator's hand."""

import uuid
from datetime import datetime, tzinfo

from smartgate.declarations.repository import TripState
from smartgate.operations import model
from smartgate.operations.schemas import (
    YardBoard,
    YardMoveIn,
    YardState,
    YardTruck,
    YardVisitRead,
)
from smartgate.operations.tables import YardVisitRow
from smartgate.registry.tables import GateRow, YardRow
from smartgate.shared.actor import Actor
from smartgate.shared.audit import Changed
from smartgate.shared.clock import local_day_start, utcnow
from smartgate.shared.errors import Conflict, Forbidden, NotFound
from smartgate.shared.lifecycle import TripMoved
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

# Where a truck may be when it enters a yard (in_yard: it moves from one yard to another).
MAY_ENTER = model.EXPECTED_AT["yard_in"] | {"in_yard"}


# --- the board ------------------------------------------------------------------------------


def yard_board(
    *, uow: UnitOfWork, actor: Actor, gate_id: str, tz: tzinfo, now: datetime | None = None
) -> YardBoard:
    """Each yard of the gate: trucks present against capacity (warning at 90 %, full at
    100 %), their dwell, and the dwell of those that left since local midnight."""
    now = now or utcnow()
    if not actor.oversees(gate_id):
        raise Forbidden(
            Wording("only the authority and operators of {gate_id} see its yards", gate_id=gate_id)
        )
    with uow.reading():
        gate = _gate(uow, gate_id)
        present = uow.operations.open_visits(gate_id)
        midnight = local_day_start(now.astimezone(tz).date(), tz)
        left = uow.operations.visits_left_since(gate_id, midnight)
        statuses = {
            t.id: t.status for t in uow.declarations.by_ids([v.declaration_id for v in present])
        }
        yards = [
            _yard_state(
                yard,
                [v for v in present if v.yard_code == yard.code],
                [v for v in left if v.yard_code == yard.code],
                statuses,
                now,
            )
            for yard in gate.yards
        ]
        return YardBoard(gate_id=gate_id, yards=yards, updated_at=now)


def _yard_state(
    yard: YardRow,
    present: list[YardVisitRow],
    left: list[YardVisitRow],
    statuses: dict[uuid.UUID, str],
    now: datetime,
) -> YardState:
    trucks = [
        YardTruck(
            declaration_id=visit.declaration_id,
            plate=visit.plate,
            status=statuses.get(visit.declaration_id, "unknown"),
            entered_at=visit.entered_at,
            dwell_minutes=model.minutes_between(visit.entered_at, now),
        )
        for visit in present
    ]
    return YardState(
        code=yard.code,
        name=yard.name,
        name_vi=yard.name_vi,
        name_zh=yard.name_zh,
        name_en=yard.name_en,
        capacity=yard.capacity_trucks,
        present=len(trucks),
        share=round(len(trucks) / yard.capacity_trucks, 3),
        level=model.yard_level(len(trucks), yard.capacity_trucks),
        mean_dwell_minutes=model.mean(t.dwell_minutes for t in trucks),
        left_today=len(left),
        mean_dwell_left_today_minutes=model.mean(
            model.minutes_between(v.entered_at, v.left_at) for v in left if v.left_at
        ),
        trucks=trucks,
    )


def _gate(uow: UnitOfWork, gate_id: str) -> GateRow:
    gate = uow.registry.get_gate(gate_id)
    if gate is None:
        raise NotFound(Wording("gate {gate} does not exist", gate=gate_id))
    return gate


# --- moves ----------------------------------------------------------------------------------


def enter(
    uow: UnitOfWork, trip: TripState, yard_code: str, at: datetime, staying: YardVisitRow | None
) -> YardVisitRow:
    """A truck is in a yard from `at`: its stay in the yard it was in (`staying`) ends there."""
    leave(staying, at)
    visit = YardVisitRow(
        declaration_id=trip.id,
        gate_id=trip.gate_id,
        yard_code=yard_code,
        plate=trip.tractor_plate,
        entered_at=at,
    )
    uow.operations.add_visit(visit)
    return visit


def leave(staying: YardVisitRow | None, at: datetime) -> None:
    """A truck's stay in its yard, if it was in one, ends at `at`."""
    if staying is not None:
        staying.left_at = at


def move_by_hand(
    *,
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str,
    yard_code: str,
    data: YardMoveIn,
    now: datetime | None = None,
) -> YardVisitRead:
    """An operator of the gate records a truck entering or leaving a yard that no camera saw;
    the trip follows as a camera read would move it, and the log names the operator."""
    now = now or utcnow()
    if not actor.runs(gate_id):
        raise Forbidden(
            Wording("only operators of {gate_id} move trucks in its yards", gate_id=gate_id)
        )
    with uow:
        if yard_code not in {yard.code for yard in _gate(uow, gate_id).yards}:
            raise NotFound(
                Wording("{gate_id} has no yard {yard_code}", gate_id=gate_id, yard_code=yard_code)
            )
        trip = uow.declarations.trip_state(data.declaration_id)
        if trip is None or trip.gate_id != gate_id:
            raise NotFound(
                Wording(
                    "declaration {declaration_id} does not exist at {gate_id}",
                    declaration_id=data.declaration_id,
                    gate_id=gate_id,
                )
            )
        if data.action == "in":
            visit = _move_in(uow, actor, trip, yard_code, now)
        else:
            visit = _move_out(uow, trip.id, trip.tractor_plate, yard_code, now)
        uow.publish(
            Changed(
                "yard_visit", str(trip.id), f"yard.{data.action}", actor.username, now, gate_id,
                trip.id, after={"yard": yard_code, "by_hand": True},
            )
        )  # fmt: skip
        read = YardVisitRead.model_validate(visit)
        uow.commit()
        return read


def _move_in(
    uow: UnitOfWork, actor: Actor, trip: TripState, yard_code: str, now: datetime
) -> YardVisitRow:
    if trip.status not in MAY_ENTER:
        raise Conflict(
            Wording(
                "{plate} is {status}; a truck entering a yard should be {expected}",
                plate=trip.tractor_plate,
                status=trip.status,
                expected=" or ".join(sorted(MAY_ENTER)),
            )
        )
    visit = enter(uow, trip, yard_code, now, uow.operations.open_visit(trip.id))
    if trip.status != "in_yard":
        uow.publish(TripMoved(trip.id, "in_yard", actor.username, now, yard_code))
    uow.session.flush()  # the visit's id, for the answer
    return visit


def _move_out(
    uow: UnitOfWork, trip_id: uuid.UUID, plate: str, yard_code: str, now: datetime
) -> YardVisitRow:
    visit = uow.operations.open_visit(trip_id)
    if visit is None or visit.yard_code != yard_code:
        raise Conflict(Wording("{plate} is not in yard {yard}", plate=plate, yard=yard_code))
    leave(visit, now)
    return visit
