"""Operations use-cases: a trip's steps and timeline, inspections, fees, the crossing log and
the audit log."""

import dataclasses
import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from smartgate.declarations.repository import Move
from smartgate.declarations.tables import DeclarationRow
from smartgate.operations import fees, model
from smartgate.operations.schemas import (
    AuditRead,
    CrossingRead,
    FeeLineRead,
    FeeRead,
    FeeReport,
    FeeReportRow,
    HandoverIn,
    HandoverRead,
    InspectionIn,
    InspectionRead,
    StepRead,
    TariffRead,
)
from smartgate.operations.tables import HandoverRow, InspectionRow, TariffRow
from smartgate.policy.model import green_zone_fault
from smartgate.registry.model import quarantine_chapters
from smartgate.shared.actor import Actor
from smartgate.shared.audit import Changed
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from smartgate.shared.lifecycle import TripMoved, check_trip_move, coming_to
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

DAY = timedelta(days=1)


# --- the trip's steps -----------------------------------------------------------------------


def follow_trips(uow: UnitOfWork, events: list[TripMoved]) -> None:
    """Move the trips as a context said, and write their steps into their timelines (the
    audit log), in the unit of work that moved them."""
    # Every booking, call and camera read moves its trip from its one usual state: guarded
    # statements (one for them all on PostgreSQL), no read before them.
    usual = {e.declaration_id: origin for e in events if (origin := _usual_origin(e)) is not None}
    moved = uow.declarations.move_all_from(
        [
            Move(e.declaration_id, usual[e.declaration_id], e.target, _kept_reason(e), e.at)
            for e in events
            if e.declaration_id in usual
        ]
    )
    steps = []
    for event in events:
        gate_id = moved.get(event.declaration_id)
        if gate_id is not None:
            steps.append(step_entry(event, gate_id, usual[event.declaration_id]))
        elif (step := _moved_from_where_it_is(uow, event)) is not None:
            steps.append(step)
    uow.operations.audit(steps)


def _moved_from_where_it_is(uow: UnitOfWork, event: TripMoved) -> dict[str, Any] | None:
    # The trip's step (its audit entry) once its state is read, or None when the move does
    # not apply there.
    trip = uow.declarations.trip_state(event.declaration_id)
    if trip is None:
        raise NotFound(
            Wording(
                "declaration {declaration_id} does not exist", declaration_id=event.declaration_id
            )
        )
    if event.only_from is not None and trip.status not in event.only_from:
        return None
    check_trip_move(trip.status, event.target, trip.held_from)
    uow.declarations.set_status(
        trip.id,
        event.target,
        reason=_kept_reason(event),
        held_from=trip.status if event.target == "held" else None,
        at=event.at,
    )
    return step_entry(event, trip.gate_id, trip.status)


def _usual_origin(event: TripMoved) -> str | None:
    # The one state (a hold aside) a move can come from, when there is one: booked from
    # declared, called from waiting, at the gate from called.
    origins = set(coming_to(event.target)) - {"held"}
    if event.only_from is not None:
        origins &= event.only_from
    return origins.pop() if len(origins) == 1 and event.target != "held" else None


def _kept_reason(event: TripMoved) -> str | None:
    # A trip keeps the reason only while it is held or rejected.
    return event.reason if event.target in ("held", "rejected") else None


def step_entry(event: TripMoved, gate_id: str, before: str) -> dict[str, Any]:
    """The audit entry of one step of a trip."""
    return audit_entry(
        at=event.at,
        actor=event.actor,
        gate_id=gate_id,
        declaration_id=event.declaration_id,
        subject="trip",
        subject_id=str(event.declaration_id),
        action=f"trip.{event.target}",
        place=event.place,
        reason=event.reason,
        before={"status": before},
        after={"status": event.target, **event.details},
    )


def record_changes(uow: UnitOfWork, events: list[Changed]) -> None:
    """Write changes any context made into the audit log, in the unit of work that made them."""
    uow.operations.audit([audit_entry(**dataclasses.asdict(event)) for event in events])


def audit_entry(**values: Any) -> dict[str, Any]:
    """A log entry's columns, every optional one present (one INSERT takes many)."""
    optional = ("gate_id", "declaration_id", "place", "reason", "before", "after")
    return {name: None for name in optional} | values


def timeline(*, uow: UnitOfWork, actor: Actor, declaration_id: uuid.UUID) -> list[StepRead]:
    """The steps of a trip the actor may see, in order: who, when, where."""
    with uow.reading():
        _visible_trip(uow, actor, declaration_id)
        return [StepRead.of(row) for row in uow.operations.steps_of([declaration_id])]


def _visible_trip(uow: UnitOfWork, actor: Actor, declaration_id: uuid.UUID) -> DeclarationRow:
    row = uow.declarations.get_visible(declaration_id, actor)
    if row is None:
        raise NotFound(
            Wording("declaration {declaration_id} does not exist", declaration_id=declaration_id)
        )
    return row


# --- inspections ----------------------------------------------------------------------------


def inspect(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    data: InspectionIn,
    now: datetime | None = None,
) -> InspectionRead:
    """An agency's officer records pass, hold or fail; the trip follows what all the agencies
    it needs have decided (cleared, held, rejected)."""
    now = now or utcnow()
    with uow:
        row = _visible_trip(uow, actor, declaration_id)
        if not actor.serves(row.gate_id, data.agency):
            raise Forbidden(
                Wording(
                    "only an operator of {gate} in {agency} records its inspections",
                    gate=row.gate_id,
                    agency=data.agency,
                )
            )
        _ensure_inspectable(row)
        inspection = InspectionRow(
            declaration_id=row.id,
            gate_id=row.gate_id,
            agency=data.agency,
            outcome=data.outcome,
            officer=actor.username,
            note=data.note,
            at=now,
        )
        uow.operations.add_inspection(inspection)
        uow.operations.audit([_inspection_entry(row, inspection)])
        for step in _steps_after_inspection(uow, row, actor, inspection):
            uow.publish(step)
        read = InspectionRead.model_validate(inspection)
        uow.commit()
        return read


def _ensure_inspectable(row: DeclarationRow) -> None:
    if row.status not in model.INSPECTABLE:
        raise Conflict(
            Wording("a {status} trip is not waiting for inspection", status=Wording(row.status))
        )


def _steps_after_inspection(
    uow: UnitOfWork, row: DeclarationRow, actor: Actor, inspection: InspectionRow
) -> list[TripMoved]:
    # Where the agencies' latest outcomes put the trip, as the steps that take it there.
    latest = {i.agency: i.outcome for i in uow.operations.inspections_of(row.id)}
    plan = inspection_plan_of(uow, row)
    verdict = plan.verdict(latest)
    reason = f"{inspection.agency}: {inspection.note}" if inspection.note else inspection.agency

    def step(target: str, why: str | None = None) -> TripMoved:
        return TripMoved(row.id, target, actor.username, inspection.at, "inspection", why)

    steps: list[TripMoved] = []
    status = row.status
    if status == "held" and verdict != "held" and verdict != "rejected":
        steps.append(step(row.held_from or "inspection"))
        status = row.held_from or "inspection"
    if verdict == "rejected":
        steps.append(step("rejected", reason))
    elif verdict == "held" and status != "held":
        steps.append(step("held", reason))
    elif verdict == "cleared":
        if status == "at_gate":
            steps.append(step("inspection"))
        steps.append(step("cleared"))
    elif verdict is None and status == "at_gate":
        steps.append(step("inspection"))
    return steps


def inspection_plan_of(uow: UnitOfWork, row: DeclarationRow) -> model.InspectionPlan:
    """The agencies a trip must pass, by its goods and its gate's quarantine chapters."""
    gate = uow.registry.get_gate(row.gate_id)
    chapters = quarantine_chapters(gate.quarantine_chapters if gate else None)
    return model.inspection_plan(row_hs_codes(row), chapters)


def row_hs_codes(row: DeclarationRow) -> list[str]:
    """The HS codes of a trip's goods lines."""
    return [line.hs_code for line in row.goods]


def _inspection_entry(row: DeclarationRow, inspection: InspectionRow) -> dict[str, Any]:
    return audit_entry(
        at=inspection.at,
        actor=inspection.officer,
        gate_id=row.gate_id,
        declaration_id=row.id,
        subject="inspection",
        subject_id=str(row.id),
        action=f"inspection.{inspection.outcome}",
        place=inspection.agency,
        reason=inspection.note or None,
        after={"agency": inspection.agency, "outcome": inspection.outcome},
    )


# --- handover at the line -------------------------------------------------------------------


def hand_over(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    data: HandoverIn,
    now: datetime | None = None,
) -> HandoverRead:
    """An operator at the lane records how a cleared truck's cargo crossed: the delivery mode
    the lane offers (contactless only in green-zone mode), who drove each side, the shuttle.
    The trip is handed over; its fee and crossing log follow the mode used."""
    now = now or utcnow()
    with uow:
        row = _visible_trip(uow, actor, declaration_id)
        if not actor.runs(row.gate_id):
            raise Forbidden(
                Wording("only operators of {gate_id} record its handovers", gate_id=row.gate_id)
            )
        trip = uow.declarations.trip_state(row.id)  # locked: one handover per trip
        assert trip is not None  # just read
        check_trip_move(trip.status, "handed_over", trip.held_from)
        _check_handover(uow, row, data)
        handover = HandoverRow(
            declaration_id=row.id,
            gate_id=row.gate_id,
            recorded_by=actor.username,
            at=now,
            **data.model_dump(),
        )
        uow.operations.add_handover(handover)
        declared_mode = row.delivery_mode
        row.delivery_mode = data.mode
        details = data.model_dump(exclude_none=True) | {"declared_mode": declared_mode}
        uow.publish(
            TripMoved(row.id, "handed_over", actor.username, now, data.lane, details=details)
        )
        read = HandoverRead.model_validate(handover)
        uow.commit()
        return read


def _check_handover(uow: UnitOfWork, row: DeclarationRow, data: HandoverIn) -> None:
    gate = uow.registry.get_gate(row.gate_id)
    lanes = (
        {lane.code: lane for lane in gate.lanes if lane.direction == row.direction} if gate else {}
    )
    lane = lanes.get(data.lane)
    if lane is None:
        known = ", ".join(sorted(lanes))
        why = Wording(
            "{gate} has no {direction} lane {lane} (lanes: {known})",
            gate=row.gate_id, direction=Wording(row.direction), lane=repr(data.lane), known=known,
        )  # fmt: skip
        raise ValidationFailed([FieldError("lane", why)])
    faults = model.handover_faults(
        data.mode,
        lane.delivery_modes,
        green_zone_fault(uow.policy.rules(row.gate_id), data.mode),
        data.model_dump(),
    )
    if faults:
        raise ValidationFailed([FieldError(name, why) for name, why in faults])


# --- fees -----------------------------------------------------------------------------------


@cache
def shipped_document() -> dict[str, Any]:
    """The shipped tariff document (Lạng Sơn's 2025 fee; read once per process)."""
    return fees.shipped_document()


def tariff_of(uow: UnitOfWork, gate_id: str) -> fees.Tariff:
    """The tariff a gate charges: the one its authority set in the app, else the shipped one."""
    row = uow.operations.tariff_row(gate_id)
    if row is None:
        return fees.tariff_for(shipped_tariffs(), gate_id)
    return fees.gate_tariff(shipped_document(), gate_id, row.sections)


@cache
def shipped_tariffs() -> dict[str, fees.Tariff]:
    """The shipped tariffs by gate, read once per process."""
    return fees.load_tariffs(shipped_document())


def gate_tariff(*, uow: UnitOfWork, gate_id: str) -> TariffRead:
    """A gate's tariff as its tables, and who set it."""
    with uow.reading():
        _known_gate(uow, gate_id)
        return _tariff_read(uow, gate_id)


def set_tariff(
    *,
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str,
    sections: dict[str, Any] | None,
    now: datetime | None = None,
) -> TariffRead:
    """The authority sets a gate's tariff (the keys it gives replace the default's), or with
    None goes back to the shipped one; the log keeps the tariff before and after."""
    now = now or utcnow()
    if actor.role != "authority":
        raise Forbidden(Wording("only the border authority sets a gate's tariff"))
    with uow:
        _known_gate(uow, gate_id)
        before = fees.as_tables(tariff_of(uow, gate_id))
        if sections is None:
            uow.operations.drop_tariff(gate_id)
        else:
            fees.gate_tariff(shipped_document(), gate_id, sections)  # refuses a bad one
            uow.operations.save_tariff(
                TariffRow(gate_id=gate_id, sections=sections, updated_by=actor.username,
                          updated_at=now)
            )  # fmt: skip
        uow.session.flush()
        read = _tariff_read(uow, gate_id)
        action = "tariff.reset" if sections is None else "tariff.set"
        uow.publish(
            Changed("tariff", gate_id, action, actor.username, now, gate_id, before=before,
                    after=read.tables)
        )  # fmt: skip
        uow.commit()
        return read


def _tariff_read(uow: UnitOfWork, gate_id: str) -> TariffRead:
    row = uow.operations.tariff_row(gate_id)
    return TariffRead(
        gate_id=gate_id,
        source="shipped" if row is None else "set in the app",
        updated_by=None if row is None else row.updated_by,
        updated_at=None if row is None else row.updated_at,
        tables=fees.as_tables(tariff_of(uow, gate_id)),
    )


def _known_gate(uow: UnitOfWork, gate_id: str) -> None:
    if uow.registry.gate_name(gate_id) is None:
        raise NotFound(Wording("gate {gate} does not exist", gate=gate_id))


def trip_fee(*, uow: UnitOfWork, actor: Actor, declaration_id: uuid.UUID) -> FeeRead:
    """What a trip the actor may see pays at its gate, and how the fee is made."""
    with uow.reading():
        row = _visible_trip(uow, actor, declaration_id)
        return fee_of(row, tariff_of(uow, row.gate_id))


def fee_of(row: DeclarationRow, tariff: fees.Tariff) -> FeeRead:
    """A trip's fee by its gate's tariff: its weight band, goods, direction, delivery mode."""
    kg = fees.vehicle_kg(
        sum(line.gross_kg for line in row.goods),
        len(row.containers),
        trailer=row.trailer_plate is not None,
    )
    found = fees.fee(
        tariff,
        vehicle_kg=kg,
        hs_codes=row_hs_codes(row),
        direction=row.direction,
        delivery_mode=row.delivery_mode,
    )
    return FeeRead(
        amount=found.amount,
        currency=found.currency,
        vehicle_kg=kg,
        lines=[FeeLineRead.model_validate(line, from_attributes=True) for line in found.lines],
    )


# --- the audit log --------------------------------------------------------------------------


def audit_log(
    *,
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str | None,
    declaration_id: uuid.UUID | None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditRead]:
    """The log by gate or trip: the authority reads every gate's, an operator their own."""
    if actor.role == "operator":
        if gate_id is None:
            gate_id = actor.gate_id
        if not actor.runs(gate_id):
            raise Forbidden(
                Wording(
                    "operators read the log of their own gate ({gate_id})", gate_id=actor.gate_id
                )
            )
    elif actor.role != "authority":
        raise Forbidden(Wording("the audit log is for the authority and the gate's operators"))
    with uow.reading():
        rows = uow.operations.audit_entries(
            gate_id=gate_id, declaration_id=declaration_id, limit=limit, offset=offset
        )
        return [AuditRead.model_validate(row) for row in rows]


# --- the crossing log -----------------------------------------------------------------------


def crossings(
    *,
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str,
    day_start: datetime,
    direction: str | None = None,
) -> list[CrossingRead]:
    """The trucks that crossed the zero line at a gate in one local day, with the time they
    passed each point, how long they took and what they paid."""
    _ensure_reads_gate_logs(actor, gate_id)
    with uow.reading():
        tariff = tariff_of(uow, gate_id)
        exited = _exited_trips(uow, gate_id, day_start, direction)
        steps: dict[uuid.UUID, dict[str, datetime]] = {}
        for step in uow.operations.steps_of([trip.id for trip, _ in exited]):
            steps.setdefault(step.declaration_id, {})[step.action.removeprefix("trip.")] = step.at
        found = []
        for trip, exited_at in exited:
            crossing = CrossingRead.of(trip, steps.get(trip.id, {}), exited_at)
            crossing.fee = fee_of(trip, tariff).amount
            found.append(crossing)
        return found


def fee_report(
    *,
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str,
    day_start: datetime,
    direction: str | None = None,
) -> FeeReport:
    """What the trucks that crossed in one local day paid, trip by trip and in total, and how
    each fee was made."""
    _ensure_reads_gate_logs(actor, gate_id)
    with uow.reading():
        tariff = tariff_of(uow, gate_id)
        rows = [
            FeeReportRow.of(trip, exited_at, fee_of(trip, tariff))
            for trip, exited_at in _exited_trips(uow, gate_id, day_start, direction)
        ]
    by_direction: dict[str, int] = {}
    for row in rows:
        by_direction[row.direction] = by_direction.get(row.direction, 0) + row.amount
    return FeeReport(
        gate_id=gate_id,
        day_start=day_start,
        currency=tariff.currency,
        trips=len(rows),
        total=sum(by_direction.values()),
        by_direction=by_direction,
        rows=rows,
    )


def _ensure_reads_gate_logs(actor: Actor, gate_id: str) -> None:
    if not actor.oversees(gate_id):
        raise Forbidden(
            Wording(
                "only the authority and operators of {gate_id} read its crossings", gate_id=gate_id
            )
        )


def _exited_trips(
    uow: UnitOfWork, gate_id: str, day_start: datetime, direction: str | None
) -> list[tuple[DeclarationRow, datetime]]:
    # The trips that crossed the zero line in the day, in the order they crossed.
    exits = uow.operations.exits_between(gate_id, day_start, day_start + DAY)
    trips = {row.id: row for row in uow.declarations.by_ids([trip_id for trip_id, _ in exits])}
    return [
        (trips[trip_id], at)
        for trip_id, at in exits
        if direction is None or trips[trip_id].direction == direction
    ]
