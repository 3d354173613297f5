"""Camera use-cases: a plate read at a point of the gate finds its trip and moves it on, or
waits in the operators' review list; an operator settles what the cameras could not.

A camera sends its reads one at a time or, buffered, many at once. Either way they are taken
in order in one transaction, each as if it came alone after the one before: `passages` holds
what the call knows meanwhile (the reads near them, those it adds, the trips it moved), so that
a read costs a few statements and a batch of them hardly more."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from smartgate.declarations.plates import plate_key
from smartgate.declarations.repository import ExpectedTrip, TripState
from smartgate.operations import model, yards
from smartgate.operations.matching import (
    EDIT_COST,
    Candidate,
    Decision,
    Expected,
    PlateIndex,
    Read,
    decide,
    distance,
    near_skeletons,
    skeleton,
)
from smartgate.operations.passages import SETTLED, Call, Frame, Key, Trips
from smartgate.operations.schemas import GateEventIn, GateEventRead, ReviewIn
from smartgate.operations.tables import GateEventRow
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

# The points where a read moves a trip through the queue, which may refuse after it wrote.
QUEUE_POINTS = frozenset({"waiting_area_in", "gate_in"})


def record(
    *, uow: UnitOfWork, actor: Actor, data: GateEventIn, now: datetime | None = None
) -> tuple[GateEventRead, bool]:
    """Store a camera read and act on it; (the read, whether it is new). A repeat of an event
    the camera already sent changes nothing."""
    return _record(uow, actor, [data], now or utcnow(), batch=False)[0]


def record_all(
    *, uow: UnitOfWork, actor: Actor, events: Sequence[GateEventIn], now: datetime | None = None
) -> list[tuple[GateEventRead, bool]]:
    """Store a camera's buffered reads and act on each in their order, as `record` would one
    after the other (a repeat, of an earlier call or within these, changes nothing), in one
    transaction: all of them, or none when one is refused (another gate's, or a lane or yard
    the gate does not have)."""
    return _record(uow, actor, events, now or utcnow(), batch=True)


def _record(
    uow: UnitOfWork, actor: Actor, events: Sequence[GateEventIn], now: datetime, *, batch: bool
) -> list[tuple[GateEventRead, bool]]:
    refused = next((data.gate_id for data in events if not actor.watches(data.gate_id)), None)
    if refused is not None:
        raise Forbidden(
            Wording("only the cameras and operators of {refused} report its reads", refused=refused)
        )
    known: dict[Key, Frame] = {}
    while True:  # once, unless a concurrent request stores some of these reads first
        with uow:
            call = Call(uow, events, _directions(uow, events, batch), known)
            taken = [_take(uow, actor, call, n, data, now) for n, data in enumerate(events)]
            clashes = call.store()
            if not clashes:
                answers = [(GateEventRead.model_validate(frame), new) for frame, new in taken]
                if call.new:
                    uow.commit()
                return answers
            # The camera retried while this call ran: start again, those reads taken as the
            # repeats they are (what this attempt did is rolled back).
            stored = call.stored_by_keys(clashes)
            assert stored.keys() == clashes  # the unique key that refused them holds them
            known |= stored


def review_list(*, uow: UnitOfWork, actor: Actor, gate_id: str) -> list[GateEventRead]:
    """The reads at a gate an operator must settle, oldest first."""
    if not actor.oversees(gate_id):
        raise Forbidden(
            Wording(
                "only the authority and operators of {gate_id} see its review list", gate_id=gate_id
            )
        )
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
            raise NotFound(Wording("gate event {event_id} does not exist", event_id=event_id))
        if not actor.runs(row.gate_id):
            raise Forbidden(
                Wording("only operators of {gate_id} settle its reads", gate_id=row.gate_id)
            )
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
            [
                FieldError(
                    "declaration_id",
                    Wording(
                        "no trip {declaration_id} at {gate_id}",
                        declaration_id=declaration_id,
                        gate_id=row.gate_id,
                    ),
                )
            ]
        )
    refusal = _act(uow, actor, row, trip.id, Trips(uow, [trip]))
    if refusal is not None:
        raise Conflict(refusal)
    row.status, row.declaration_id = "confirmed", trip.id


# --- where a read was taken -----------------------------------------------------------------


def _directions(uow: UnitOfWork, events: Sequence[GateEventIn], batch: bool) -> list[str | None]:
    # Each read's way through the gate, every lane or yard it names checked first, so that a
    # batch is refused whole, naming each bad field, before any of it is taken.
    places = _Places(uow)
    found: list[str | None] = []
    errors: list[FieldError] = []
    for n, data in enumerate(events):
        try:
            found.append(places.direction(data))
        except ValidationFailed as exc:
            errors += (exc.prefixed(f"events.{n}") if batch else exc).errors
    if errors:
        raise ValidationFailed(errors)
    return found


class _Places:
    """The lanes and yards of the gates a call's reads name, each gate's asked once."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.lanes: dict[str, dict[str, str]] = {}
        self.yards: dict[str, set[str]] = {}

    def direction(self, data: GateEventIn) -> str | None:
        """The way the read's lane goes; None where it names none, or names a yard (which
        serves both ways)."""
        gate, lane = data.gate_id, data.lane
        if lane is None:
            return None
        if data.point in ("yard_in", "yard_out"):
            if gate not in self.yards:
                self.yards[gate] = self.uow.registry.yard_codes(gate)
            if lane not in self.yards[gate]:
                why = f"at {data.point}, name one of {gate}'s yards, not {lane!r}"
                raise ValidationFailed([FieldError("lane", why)])
            return None
        if gate not in self.lanes:
            self.lanes[gate] = self.uow.registry.lane_directions(gate)
        if lane not in self.lanes[gate]:
            raise ValidationFailed(
                [
                    FieldError(
                        "lane", Wording("{gate} has no lane {lane}", gate=gate, lane=repr(lane))
                    )
                ]
            )
        return self.lanes[gate][lane]


# --- which trip a read is of ----------------------------------------------------------------


def _take(
    uow: UnitOfWork, actor: Actor, call: Call, n: int, data: GateEventIn, now: datetime
) -> tuple[Frame, bool]:
    """The read as stored, and whether it is new: a repeat changes nothing."""
    seen = call.by_key.get((data.gate_id, data.camera_id, data.event_id))
    if seen is not None:
        return seen, False
    passage = call.passage(data)
    settled = _settled_frame(passage, data.plate)
    if settled is not None:
        decision = _as_settled(settled)
    else:
        reads = [Read(f.plate, f.confidence, tuple(f.containers)) for f in passage]
        reads.append(Read(data.plate, data.confidence, tuple(data.containers)))
        decision = _decide(call, data, call.directions[n], reads)
    frame = call.add(data, decision, now, passage)
    _follow(uow, actor, call, frame, decision, passage)
    return frame, True


def _settled_frame(passage: list[Frame], plate: str) -> Frame | None:
    # A later frame of a truck its passage already matched, read the same up to look-alikes:
    # that truck, with no look-up (its trip has moved on and is no longer where it was read).
    return next(
        (f for f in passage if f.status in SETTLED and distance(plate, f.plate) < EDIT_COST),
        None,
    )


def _as_settled(frame: Frame) -> Decision:
    candidates = tuple(
        Candidate(c["declaration_id"], c["plate"], c["score"]) for c in frame.candidates
    )
    return Decision(str(frame.declaration_id), frame.score, candidates, automatic=True)


def _decide(call: Call, data: GateEventIn, direction: str | None, reads: list[Read]) -> Decision:
    # Only a trip whose plate folds like one of the reads can be matched automatically (see
    # matching), so those are looked up first; a read they leave unsure is held against every
    # trip one full edit from its reads, for the operator's list. A trip read where it should
    # not be yet (at the zero line before clearance) is still found: an operator must see it.
    own = {skeleton(read.plate) for read in reads}
    likely = call.trips_like(data.gate_id, own, matchable=True)
    decision = decide(reads, _index(call, data, direction, likely))
    if decision.automatic:
        return decision
    near = own.union(*(near_skeletons(read.plate) for read in reads))
    nearby = call.trips_like(data.gate_id, near, matchable=False)
    return decide(reads, _index(call, data, direction, nearby))


def _index(
    call: Call, data: GateEventIn, direction: str | None, trips: list[ExpectedTrip]
) -> PlateIndex:
    eligible = _eligible(
        trips,
        direction,
        data.at,
        call.valid_hours(data.gate_id),
        model.EXPECTED_AT[data.point],
    )
    return PlateIndex(Expected(str(trip.id), trip.plate, trip.containers) for trip in eligible)


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


# --- what a read does -----------------------------------------------------------------------


def _follow(
    uow: UnitOfWork,
    actor: Actor,
    call: Call,
    frame: Frame,
    decision: Decision,
    passage: list[Frame],
) -> None:
    # A sure read moves its trip on; an unsure one waits for an operator, and so do the
    # earlier frames of its passage that waited.
    if not decision.automatic or decision.key is None:
        frame.review_reason = (
            "no trip matches well enough"
            if not decision.candidates
            else ("candidates too close to tell apart or the read is unsure")
        )
        return
    trip_id = uuid.UUID(decision.key)
    already = next(
        (f for f in passage if f.declaration_id == trip_id and f.status in SETTLED), None
    )
    refusal = None if already is not None else _act(uow, actor, frame, trip_id, call.trips)
    if refusal is not None:
        frame.review_reason = str(refusal)
        frame.declaration_id = trip_id
        return
    frame.status, frame.declaration_id = "matched", trip_id
    call.settle_passage(frame, trip_id)


def _act(
    uow: UnitOfWork, actor: Actor, read: Frame | GateEventRow, trip_id: uuid.UUID, trips: Trips
) -> Wording | None:
    """Move the trip as the read says, or say why it cannot (nothing of the attempt stays)."""
    target = model.POINT_STEP[read.point]
    try:
        trip = trips.locked(trip_id)
        if trip is None:
            raise NotFound(Wording("declaration {trip_id} does not exist", trip_id=trip_id))
        if target is not None and trip.status == target:
            return None  # another frame of the passage, from another camera, moved it already
        _check_expected(trip, read.point)
        if read.point in QUEUE_POINTS:
            with uow.session.begin_nested():
                _through_queue(uow, actor, read, trip)
        else:
            _through_yards(uow, actor, read, trip, trips)
    except DomainError as exc:
        return exc.wording or Wording(str(exc))
    if target is not None:
        trips.moved(trip, target)
    return None


def _check_expected(trip: TripState, point: str) -> None:
    if trip.status not in model.EXPECTED_AT[point]:
        raise Conflict(
            Wording(
                "{plate} is {status}; a truck read at {point} should be {expected}",
                plate=trip.tractor_plate,
                status=trip.status,
                point=point,
                expected=" or ".join(sorted(model.EXPECTED_AT[point])),
            )
        )


def _through_queue(
    uow: UnitOfWork, actor: Actor, read: Frame | GateEventRow, trip: TripState
) -> None:
    # Into the waiting area, or out of it through the gate; the queue moves the trip.
    if read.point == "waiting_area_in":
        join_line(uow, actor, read.gate_id, ArrivalIn(declaration_id=trip.id), read.at, read.point)
        return
    entry = uow.queue.entry_in_queue_for_vehicle(plate_key(trip.tractor_plate))
    if entry is None or entry.declaration_id != trip.id:
        raise Conflict(Wording("{plate} was not called", plate=trip.tractor_plate))
    finish_entry(uow, actor, read.gate_id, entry.id, "crossed", read.at, read.lane or read.point)


def _through_yards(
    uow: UnitOfWork, actor: Actor, read: Frame | GateEventRow, trip: TripState, trips: Trips
) -> None:
    # Into a yard, out of it, or across the zero line: the checks are behind, nothing here
    # refuses, so no savepoint is needed around it.
    staying = trips.in_yard(trip.id)
    if read.point == "yard_in":
        trips.now_in(trip.id, yards.enter(uow, trip, read.lane or "yard", read.at, staying))
    else:
        yards.leave(staying, read.at)
        trips.now_in(trip.id, None)
    target = model.POINT_STEP[read.point]
    if target is not None:
        # The trip is locked and its state known: the move is one guarded UPDATE.
        uow.publish(
            TripMoved(
                trip.id, target, actor.username, read.at, read.lane or read.point,
                only_from=frozenset({trip.status}),
            )
        )  # fmt: skip
