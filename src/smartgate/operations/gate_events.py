"""Camera use-cases: a plate read at a point of the gate finds its trip and moves it on, or
waits in the operators' review list; an operator settles what the cameras could not."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from smartgate.declarations.plates import plate_key
from smartgate.declarations.repository import ExpectedTrip
from smartgate.operations import model
from smartgate.operations.matching import (
    EDIT_COST,
    Candidate,
    Decision,
    Expected,
    PlateIndex,
    Read,
    decide,
    distance,
    skeleton,
)
from smartgate.operations.schemas import GateEventIn, GateEventRead, ReviewIn
from smartgate.operations.tables import GateEventRow, YardVisitRow
from smartgate.queue.schemas import ArrivalIn
from smartgate.queue.waiting_area import finish_entry, join_line
from smartgate.shared.actor import Actor
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from smartgate.shared.lifecycle import TripMoved
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

# Reads this far apart (weighted plate distance) are of different trucks, however close in time.
SAME_TRUCK = 1.5
SETTLED = frozenset({"matched", "confirmed"})  # reads whose trip already moved on


def record(
    *, uow: UnitOfWork, actor: Actor, data: GateEventIn, now: datetime | None = None
) -> tuple[GateEventRead, bool]:
    """Store a camera read and act on it; (the read, whether it is new). A repeat of an event
    the camera already sent changes nothing."""
    now = now or utcnow()
    if not actor.watches(data.gate_id):
        raise Forbidden(f"only the cameras and operators of {data.gate_id} report its reads")
    with uow:
        known = uow.operations.event_by_key(data.gate_id, data.camera_id, data.event_id)
        if known is not None:
            return GateEventRead.model_validate(known), False
        direction = _direction_at(uow, data.gate_id, data.point, data.lane)
        passage = _passage(uow, data)
        settled = _settled_frame(passage, data.plate)
        if settled is not None:
            decision = _as_settled(settled)
        else:
            reads = [Read(r.plate, r.confidence, tuple(r.containers)) for r in passage]
            reads.append(Read(data.plate, data.confidence, tuple(data.containers)))
            decision = _decide(uow, data.gate_id, data.point, direction, data.at, reads)
        row = _row(data, decision, now, passage)
        if not uow.operations.add_event(row):  # a concurrent retry stored it first
            stored = uow.operations.event_by_key(data.gate_id, data.camera_id, data.event_id)
            assert stored is not None  # the unique key that refused this one holds it
            return GateEventRead.model_validate(stored), False
        if row.passage_id is None:
            row.passage_id = row.id
        _follow(uow, actor, row, decision, passage)
        read = GateEventRead.model_validate(row)
        uow.commit()
        return read, True


def review_list(*, uow: UnitOfWork, actor: Actor, gate_id: str) -> list[GateEventRead]:
    """The reads at a gate an operator must settle, oldest first."""
    if not actor.oversees(gate_id):
        raise Forbidden(f"only the authority and operators of {gate_id} see its review list")
    with uow.reading():
        return [GateEventRead.model_validate(row) for row in uow.operations.in_review(gate_id)]


def settle(
    *,
    uow: UnitOfWork,
    actor: Actor,
    event_id: int,
    data: ReviewIn,
    now: datetime | None = None,
) -> GateEventRead:
    """An operator says which trip a read in review is of (the trip moves on as if the camera
    had been sure), or that it is of none of them."""
    now = now or utcnow()
    with uow:
        row = uow.operations.event_for_update(event_id)
        if row is None or not actor.oversees(row.gate_id):
            raise NotFound(f"gate event {event_id} does not exist")
        if not actor.runs(row.gate_id):
            raise Forbidden(f"only operators of {row.gate_id} settle its reads")
        if row.status != "review":
            raise Conflict(Wording("the read was already settled: {status}", status=row.status))
        row.resolved_by, row.resolved_at = actor.username, now
        if data.declaration_id is None:
            row.status, row.declaration_id = "dismissed", None
        else:
            _confirm(uow, actor, row, data.declaration_id)
        uow.operations.settle_passage(
            row.passage_id or row.id,
            row.declaration_id,
            status=row.status,
            resolved_by=actor.username,
            resolved_at=now,
        )
        read = GateEventRead.model_validate(row)
        uow.commit()
        return read


def _confirm(uow: UnitOfWork, actor: Actor, row: GateEventRow, declaration_id: uuid.UUID) -> None:
    trip = uow.declarations.trip_state(declaration_id)
    if trip is None or trip.gate_id != row.gate_id:
        raise ValidationFailed(
            [FieldError("declaration_id", f"no trip {declaration_id} at {row.gate_id}")]
        )
    refusal = _act(uow, actor, row, trip.id)
    if refusal is not None:
        raise Conflict(refusal)
    row.status, row.declaration_id = "confirmed", trip.id


# --- which trip a read is of ----------------------------------------------------------------


def _direction_at(uow: UnitOfWork, gate_id: str, point: str, lane: str | None) -> str | None:
    # A crossing lane goes one way; at a yard, `lane` names the yard, which serves both. The
    # gate itself exists: the reader's account is bound to it.
    if lane is None:
        return None
    gate = uow.registry.get_gate(gate_id)
    assert gate is not None  # a gate-bound account's gate, by its foreign key
    if point in ("yard_in", "yard_out"):
        if lane not in {yard.code for yard in gate.yards}:
            raise ValidationFailed(
                [FieldError("lane", f"at {point}, name one of {gate.id}'s yards, not {lane!r}")]
            )
        return None
    lanes = {found.code: found.direction for found in gate.lanes}
    if lane not in lanes:
        raise ValidationFailed([FieldError("lane", f"{gate.id} has no lane {lane!r}")])
    return lanes[lane]


def _passage(uow: UnitOfWork, data: GateEventIn) -> list[GateEventRow]:
    # Earlier frames of the same truck at this point: close in time and in what they read.
    near = uow.operations.passage_reads(
        data.gate_id, data.point, data.lane, data.at - model.PASSAGE, data.at + model.PASSAGE
    )
    return [row for row in near if distance(data.plate, row.plate) <= SAME_TRUCK]


def _settled_frame(passage: list[GateEventRow], plate: str) -> GateEventRow | None:
    # A later frame of a truck its passage already matched, read the same up to look-alikes:
    # that truck, with no look-up (its trip has moved on and is no longer where it was read).
    return next(
        (r for r in passage if r.status in SETTLED and distance(plate, r.plate) < EDIT_COST),
        None,
    )


def _as_settled(frame: GateEventRow) -> Decision:
    candidates = tuple(
        Candidate(c["declaration_id"], c["plate"], c["score"]) for c in frame.candidates
    )
    return Decision(str(frame.declaration_id), frame.score, candidates, automatic=True)


def _decide(
    uow: UnitOfWork,
    gate_id: str,
    point: str,
    direction: str | None,
    at: datetime,
    reads: Sequence[Read],
) -> Decision:
    # The trips whose plates fold like a read answer almost every read; only one that
    # matches none of them is held against every trip on its way. A trip read where it should
    # not be yet (at the zero line before clearance) is still found: an operator must see it.
    statuses = model.ON_THE_WAY
    expected = model.EXPECTED_AT[point]
    valid_hours = uow.policy.rules(gate_id).declaration_valid_hours
    skeletons = [skeleton(read.plate) for read in reads]
    likely = _eligible(
        uow.declarations.expected_at_gate(gate_id, statuses, skeletons),
        direction,
        at,
        valid_hours,
        expected,
    )
    decision = decide(reads, _index(likely))
    if decision.automatic:
        return decision
    every = _eligible(
        uow.declarations.expected_at_gate(gate_id, statuses), direction, at, valid_hours, expected
    )
    return decide(reads, _index(every))


def _eligible(
    trips: list[ExpectedTrip],
    direction: str | None,
    at: datetime,
    valid_hours: int,
    expected: frozenset[str],
) -> list[ExpectedTrip]:
    # One truck, two live trips (today's and tomorrow's): the one this point expects, else
    # the one due nearest the read.
    def rank(trip: ExpectedTrip) -> tuple[bool, timedelta]:
        return trip.status not in expected, abs(trip.expected_arrival - at)

    nearest: dict[str, ExpectedTrip] = {}
    for trip in trips:
        if direction is not None and trip.direction != direction:
            continue
        if not model.in_arrival_window(trip.expected_arrival, at, valid_hours):
            continue
        key = plate_key(trip.plate)
        held = nearest.get(key)
        if held is None or rank(trip) < rank(held):
            nearest[key] = trip
    return list(nearest.values())


def _index(trips: list[ExpectedTrip]) -> PlateIndex:
    return PlateIndex(Expected(str(trip.id), trip.plate, trip.containers) for trip in trips)


def _row(
    data: GateEventIn, decision: Decision, now: datetime, passage: list[GateEventRow]
) -> GateEventRow:
    return GateEventRow(
        gate_id=data.gate_id,
        camera_id=data.camera_id,
        event_id=data.event_id,
        point=data.point,
        lane=data.lane,
        at=data.at,
        plate=data.plate,
        confidence=data.confidence,
        containers=list(data.containers),
        received_at=now,
        passage_id=(passage[0].passage_id or passage[0].id) if passage else None,
        status="review",
        declaration_id=None,
        score=round(decision.score, 4),
        candidates=[
            {"declaration_id": c.key, "plate": c.plate, "score": round(c.score, 4)}
            for c in decision.candidates
        ],
    )


# --- what a read does -----------------------------------------------------------------------


def _follow(
    uow: UnitOfWork,
    actor: Actor,
    row: GateEventRow,
    decision: Decision,
    passage: list[GateEventRow],
) -> None:
    # A sure read moves its trip on; an unsure one waits for an operator, and so do the
    # earlier frames of its passage that waited.
    if not decision.automatic or decision.key is None:
        row.review_reason = (
            "no trip matches well enough"
            if not decision.candidates
            else ("candidates too close to tell apart or the read is unsure")
        )
        return
    trip_id = uuid.UUID(decision.key)
    already = next(
        (r for r in passage if r.declaration_id == trip_id and r.status in SETTLED), None
    )
    refusal = None if already is not None else _act(uow, actor, row, trip_id)
    if refusal is not None:
        row.review_reason = str(refusal)
        row.declaration_id = trip_id
        return
    row.status, row.declaration_id = "matched", trip_id
    uow.operations.settle_passage(row.passage_id or row.id, trip_id, status="matched")


def _act(uow: UnitOfWork, actor: Actor, row: GateEventRow, trip_id: uuid.UUID) -> Wording | None:
    """Move the trip as the read says, or say why it cannot (nothing of the attempt stays)."""
    try:
        with uow.session.begin_nested():
            _move(uow, actor, row, trip_id)
    except DomainError as exc:
        return exc.wording or Wording(str(exc))
    return None


def _move(uow: UnitOfWork, actor: Actor, row: GateEventRow, trip_id: uuid.UUID) -> None:
    trip = uow.declarations.trip_state(trip_id)
    if trip is None:
        raise NotFound(f"declaration {trip_id} does not exist")
    target = model.POINT_STEP[row.point]
    if target is not None and trip.status == target:
        return  # another frame of the passage, from another camera, moved it a moment ago
    if trip.status not in model.EXPECTED_AT[row.point]:
        raise Conflict(
            Wording(
                "{plate} is {status}; a truck read at {point} should be {expected}",
                plate=trip.tractor_plate,
                status=trip.status,
                point=row.point,
                expected=" or ".join(sorted(model.EXPECTED_AT[row.point])),
            )
        )
    if row.point == "waiting_area_in":
        join_line(uow, actor, row.gate_id, ArrivalIn(declaration_id=trip_id), row.at, row.point)
    elif row.point == "gate_in":
        entry = uow.queue.entry_in_queue_for_vehicle(plate_key(trip.tractor_plate))
        if entry is None or entry.declaration_id != trip_id:
            raise Conflict(Wording("{plate} was not called", plate=trip.tractor_plate))
        finish_entry(uow, actor, row.gate_id, entry.id, "crossed", row.at, row.lane or row.point)
    else:
        _leave_yard(uow, trip_id, row.at)
        if row.point == "yard_in":
            uow.operations.add_visit(
                YardVisitRow(
                    declaration_id=trip_id,
                    gate_id=row.gate_id,
                    yard_code=row.lane or "yard",
                    plate=trip.tractor_plate,
                    entered_at=row.at,
                )
            )
    if target is not None and row.point not in ("waiting_area_in", "gate_in"):
        uow.publish(TripMoved(trip_id, target, actor.username, row.at, row.lane or row.point))


def _leave_yard(uow: UnitOfWork, trip_id: uuid.UUID, at: datetime) -> None:
    visit = uow.operations.open_visit(trip_id)
    if visit is not None:
        visit.left_at = at
