"""Operations schemas: camera reads, the review list, inspections, steps, audit, crossings."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from smartgate.operations.model import Outcome, Point
from smartgate.shared.actor import Agency
from smartgate.shared.lifecycle import PAST_THE_CALL
from smartgate.shared.validation import Moment


class GateEventIn(BaseModel):
    """One plate read by a camera at a fixed point of the gate."""

    event_id: str = Field(min_length=1, max_length=64, description="the camera's own id")
    camera_id: str = Field(min_length=1, max_length=64)
    gate_id: str = Field(min_length=1, max_length=40)
    point: Point
    lane: str | None = Field(default=None, max_length=40)
    at: Moment
    plate: str = Field(max_length=40, description="the text the camera read")
    confidence: float = Field(ge=0, le=1)
    containers: list[str] = Field(default_factory=list, max_length=4)


class CandidateRead(BaseModel):
    """A trip a read may be of, with how well it matches."""

    declaration_id: uuid.UUID
    plate: str
    score: float


class GateEventRead(BaseModel):
    """A stored read and what became of it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    camera_id: str
    gate_id: str
    point: str
    lane: str | None
    at: datetime
    plate: str
    confidence: float
    containers: list[str]
    status: str  # matched, review, confirmed, dismissed
    declaration_id: uuid.UUID | None
    score: float
    candidates: list[CandidateRead]
    review_reason: str | None
    passage_id: int | None


class ReviewIn(BaseModel):
    """An operator's answer to a read in review: the trip it is of, or none of them."""

    declaration_id: uuid.UUID | None = Field(
        default=None, description="the trip the read is of; null to dismiss the read"
    )


class InspectionIn(BaseModel):
    """One agency's decision on a trip."""

    agency: Agency
    outcome: Outcome
    # A held or refused trip carries "<agency>: <note>" in a 300-character column.
    note: str = Field(default="", max_length=280)


class InspectionRead(BaseModel):
    """A stored inspection decision."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    declaration_id: uuid.UUID
    gate_id: str
    agency: str
    outcome: str
    officer: str
    note: str
    at: datetime


class FeeLineRead(BaseModel):
    """One line of how a fee is made: the weight band's amount, or a factor."""

    item: str
    detail: str
    amount: int | None = None
    factor: float | None = None


class FeeRead(BaseModel):
    """What a trip pays at its gate."""

    amount: int
    currency: str
    vehicle_kg: float  # the weight the band was chosen by (goods plus the vehicle's own)
    lines: list[FeeLineRead]


class StepRead(BaseModel):
    """One step of a trip's way: where it went, when, who moved it, where and why."""

    status: str
    before: str | None
    at: datetime
    actor: str
    place: str | None
    reason: str | None

    @classmethod
    def of(cls, row: Any) -> "StepRead":
        """A step from its audit entry."""
        return cls(
            status=row.action.removeprefix("trip."),
            before=(row.before or {}).get("status"),
            at=row.at,
            actor=row.actor,
            place=row.place,
            reason=row.reason,
        )


class AuditRead(BaseModel):
    """One audit log entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    gate_id: str | None
    declaration_id: uuid.UUID | None
    subject: str
    subject_id: str
    action: str
    place: str | None
    reason: str | None
    before: Any
    after: Any


class CrossingRead(BaseModel):
    """A truck that crossed the zero line: when it passed each point, how long it took."""

    declaration_id: uuid.UUID
    gate_id: str
    direction: str
    plate: str
    trailer_plate: str | None
    delivery_mode: str
    times: dict[str, datetime]  # step -> when, from the call to the zero line
    exited_at: datetime
    dwell_minutes: float | None  # from the gate to the zero line
    fee: int | None = None

    @classmethod
    def of(cls, trip: Any, steps: dict[str, datetime], exited_at: datetime) -> "CrossingRead":
        """A crossing from the trip and the times of its steps."""
        times = {step: steps[step] for step in ("called", *PAST_THE_CALL) if step in steps}
        start = times.get("at_gate")
        dwell = (exited_at - start).total_seconds() / 60 if start else None
        return cls(
            declaration_id=trip.id,
            gate_id=trip.gate_id,
            direction=trip.direction,
            plate=trip.tractor_plate,
            trailer_plate=trip.trailer_plate,
            delivery_mode=trip.delivery_mode,
            times=times,
            exited_at=exited_at,
            dwell_minutes=None if dwell is None else round(dwell, 1),
        )
