"""What a call recording camera reads knows while it takes them in order: the reads stored near
them and those it adds, how they group into passages (the frames of one truck going by), the
trips it locked and moved, and the trips the plates may be. What it adds is stored when it
ends, all in one statement; until then it holds the reads in memory, as the database would
hold them had each come alone."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from smartgate.declarations.repository import ExpectedTrip, TripState
from smartgate.operations import model
from smartgate.operations.matching import Decision, skeleton, within
from smartgate.operations.schemas import GateEventIn
from smartgate.operations.tables import YardVisitRow
from smartgate.uow import UnitOfWork

# Reads this far apart (weighted plate distance) are of different trucks, however close in time.
SAME_TRUCK = 1.5
SETTLED = frozenset({"matched", "confirmed"})  # reads whose trip already moved on
Key = tuple[str, str, str]  # the gate, the camera, and the camera's own id for the read

# What a read's row holds besides its id and the operator's settling.
_COLUMNS = (
    "gate_id", "camera_id", "event_id", "point", "lane", "at", "plate", "confidence",
    "containers", "received_at", "passage_id", "status", "declaration_id", "score",
    "candidates", "review_reason",
)  # fmt: skip


@dataclass(eq=False)
class Frame:
    """A read as a call sees it, with what GateEventRead shows of it: stored before, or new
    (stored when the call ends)."""

    gate_id: str
    camera_id: str
    event_id: str
    point: str
    lane: str | None
    at: datetime
    plate: str
    confidence: float
    containers: list[str]
    received_at: datetime
    status: str
    declaration_id: uuid.UUID | None
    score: float
    candidates: list[dict[str, Any]]
    review_reason: str | None = None
    passage_id: int | None = None  # the stored read that names its passage
    id: int | None = None  # None until stored
    first: "Frame | None" = None  # the new read that began its passage, if not this one

    @classmethod
    def stored(cls, row: Any) -> "Frame":
        """A stored read, from its row (OperationsRepository.reads_between's columns)."""
        return cls(**row._mapping)

    @classmethod
    def new(
        cls, data: GateEventIn, decision: Decision, now: datetime, passage: list["Frame"]
    ) -> "Frame":
        """A new read, in review until it moves its trip, in the passage of its first frame."""
        begun = passage[0].passage if passage else None
        return cls(
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
            status="review",
            declaration_id=None,
            score=round(decision.score, 4),
            candidates=[
                {"declaration_id": c.key, "plate": c.plate, "score": round(c.score, 4)}
                for c in decision.candidates
            ],
            passage_id=begun if isinstance(begun, int) else None,
            first=begun if isinstance(begun, Frame) else None,
        )

    @property
    def key(self) -> Key:
        """The camera's key for the read, by which a repeat is known."""
        return self.gate_id, self.camera_id, self.event_id

    @property
    def passage(self) -> "int | Frame":
        """What names the read's passage: a stored read's id, or the new read that began it
        (whose id is known only once it is stored)."""
        return self.passage_id or self.id or self.first or self

    def columns(self) -> dict[str, Any]:
        """The row to store."""
        return {name: getattr(self, name) for name in _COLUMNS}


class Trips:
    """The trips a unit of work locked, as it left them. The first it needs is locked with
    every other trip its reads may move (those whose plates fold like theirs): one statement
    for a whole batch."""

    def __init__(self, uow: UnitOfWork, locked: Iterable[TripState] = ()) -> None:
        self.uow = uow
        self.states = {trip.id: trip for trip in locked}
        self.likely: set[uuid.UUID] = set()
        self.visits: dict[uuid.UUID, YardVisitRow | None] = {}  # their stays in a yard now

    def locked(self, trip_id: uuid.UUID) -> TripState | None:
        """The trip, locked; None when there is no such trip."""
        if trip_id not in self.states:
            wanted = (self.likely - self.states.keys()) | {trip_id}
            self.states |= {trip.id: trip for trip in self.uow.declarations.lock_trips(wanted)}
            self._look_in_yards(wanted)
        return self.states.get(trip_id)

    def in_yard(self, trip_id: uuid.UUID) -> YardVisitRow | None:
        """The trip's stay in a yard now, if it is in one."""
        if trip_id not in self.visits:
            self._look_in_yards({trip_id})
        return self.visits[trip_id]

    def now_in(self, trip_id: uuid.UUID, visit: YardVisitRow | None) -> None:
        """The trip entered a yard (its stay there) or left the yards (None)."""
        self.visits[trip_id] = visit

    def _look_in_yards(self, trip_ids: set[uuid.UUID]) -> None:
        # With the lock, for every trip locked together: a read at a yard or the zero line
        # ends the stay of the truck it moves, and a batch of them asks once.
        self.visits |= dict.fromkeys(trip_ids) | self.uow.operations.open_visits_of(trip_ids)

    def moved(self, trip: TripState, status: str) -> None:
        """The trip took a step in this unit of work (the database follows at commit)."""
        self.states[trip.id] = replace(trip, status=status)

    def as_now(self, trips: list[ExpectedTrip]) -> list[ExpectedTrip]:
        """Trips looked up earlier in the unit of work as it has left them: where it moved
        them, and without those it took to the end of their way."""
        now = []
        for trip in trips:
            state = self.states.get(trip.id)
            if state is None or state.status == trip.status:
                now.append(trip)
            elif state.status in model.ON_THE_WAY:
                now.append(replace(trip, status=state.status))
        return now


class Call:
    """One call's reads, taken in order in one unit of work."""

    def __init__(
        self,
        uow: UnitOfWork,
        events: Sequence[GateEventIn],
        directions: list[str | None],
        known: dict[Key, Frame],
    ) -> None:
        self.uow = uow
        self.directions = directions  # of each read, in order
        # The stored reads a passage of these may reach, at each point: from a little before
        # the first to a little after the last (a camera's repeat is among them, read at the
        # same time). As many as the cameras there read meanwhile: a few a read of the call.
        self.frames = {
            (gate_id, point): [
                Frame.stored(row)
                for row in uow.operations.reads_between(
                    gate_id, point, min(times) - model.PASSAGE, max(times) + model.PASSAGE
                )
            ]
            for (gate_id, point), times in _times(events).items()
        }
        # A repeat found only by its key (its camera sent the same id with another time).
        self.by_key = known | {f.key: f for at_point in self.frames.values() for f in at_point}
        self.new: list[Frame] = []
        self.trips = Trips(uow)
        self._plates = _skeletons_by_gate(events)
        self._expected: dict[str, dict[str, list[ExpectedTrip]]] = {}
        self._valid_hours: dict[str, int] = {}

    def passage(self, data: GateEventIn) -> list[Frame]:
        """The frames of the same truck at this point, stored or taken before it: close in
        time and in what they read, oldest first."""
        return [
            f
            for f in self.frames.get((data.gate_id, data.point), ())
            if abs(f.at - data.at) <= model.PASSAGE
            and (data.lane is None or f.lane == data.lane)
            and within(data.plate, f.plate, SAME_TRUCK)
        ]

    def add(
        self, data: GateEventIn, decision: Decision, now: datetime, passage: list[Frame]
    ) -> Frame:
        """A new read, which the reads after it see as if it were stored."""
        frame = Frame.new(data, decision, now, passage)
        self.frames.setdefault((data.gate_id, data.point), []).append(frame)
        self.new.append(frame)
        self.by_key[frame.key] = frame
        return frame

    def settle_passage(self, frame: Frame, trip_id: uuid.UUID) -> None:
        """The frame's passage takes its trip: its reads still in review are matched to it."""
        passage = frame.passage
        waiting = [
            f
            for f in self.frames[(frame.gate_id, frame.point)]
            if f.status == "review" and f.passage == passage
        ]
        for f in waiting:
            f.status, f.declaration_id = "matched", trip_id
        # A passage's reads in review are settled as soon as one of them matches, so one whose
        # stored reads near this one are all settled holds none in review.
        if isinstance(passage, int) and any(f.id is not None for f in waiting):
            self.uow.operations.settle_passage(passage, trip_id, status="matched")

    def trips_like(
        self, gate_id: str, skeletons: set[str], *, matchable: bool
    ) -> list[ExpectedTrip]:
        """The trips on their way at the gate whose plates fold to one of `skeletons`; the
        first look-up at a gate asks for those of every read of the call at once. Those a
        read may match are locked with the first trip the call moves."""
        found = self._expected.setdefault(gate_id, {})
        missing = skeletons - found.keys()
        if missing:
            if not found:
                missing |= self._plates.get(gate_id, set())
            for fold in missing:
                found[fold] = []
            fetched = self.uow.declarations.expected_at_gate(gate_id, model.ON_THE_WAY, missing)
            for trip in fetched:
                found[trip.skeleton].append(trip)
            if matchable:
                self.trips.likely.update(trip.id for trip in fetched)
        return self.trips.as_now([trip for fold in skeletons for trip in found[fold]])

    def valid_hours(self, gate_id: str) -> int:
        """How long after its expected arrival a declaration at the gate stays valid."""
        if gate_id not in self._valid_hours:
            rules = self.uow.policy.rules(gate_id)
            self._valid_hours[gate_id] = rules.declaration_valid_hours
        return self._valid_hours[gate_id]

    def store(self) -> set[Key]:
        """Store the new reads and name their passages; the keys of those a concurrent
        request stored first (then nothing is complete, and the unit of work must not
        commit)."""
        if not self.new:
            return set()
        ids = self.uow.operations.add_events([frame.columns() for frame in self.new])
        clashes = {frame.key for frame in self.new} - ids.keys()
        if clashes:
            return clashes
        for frame in self.new:
            frame.id = ids[frame.key]
        links = []
        for frame in self.new:
            if frame.passage_id is None:
                frame.passage_id = (frame.first or frame).id
                links.append((frame.id, frame.passage_id))
        if links:
            self.uow.operations.link_passages(links)
        return set()

    def stored_by_keys(self, keys: Iterable[Key]) -> dict[Key, Frame]:
        """The stored reads with these keys."""
        cameras: dict[str, set[tuple[str, str]]] = {}
        for gate_id, camera_id, event_id in keys:
            cameras.setdefault(gate_id, set()).add((camera_id, event_id))
        return {
            key: Frame.stored(row)
            for gate_id, wanted in cameras.items()
            for key, row in self.uow.operations.events_by_keys(gate_id, wanted).items()
        }


def _times(events: Sequence[GateEventIn]) -> dict[tuple[str, str], list[datetime]]:
    times: dict[tuple[str, str], list[datetime]] = {}
    for data in events:
        times.setdefault((data.gate_id, data.point), []).append(data.at)
    return times


def _skeletons_by_gate(events: Sequence[GateEventIn]) -> dict[str, set[str]]:
    plates: dict[str, set[str]] = {}
    for data in events:
        plates.setdefault(data.gate_id, set()).add(skeleton(data.plate))
    return plates
