"""Operations schemas: camera reads, the review list, inspections, steps, audit, crossings."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from smartgate.operations.model import Outcome, Point, minutes_between
from smartgate.shared.actor import Agency
from smartgate.shared.lifecycle import PAST_THE_CALL
from smartgate.shared.terms import DeliveryMode
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


# Reads a camera may send at once: a few minutes of a busy lane's frames.
MAX_BATCH = 500


class GateEventBatchIn(BaseModel):
    """A camera's buffered reads, in the order it took them."""

    events: list[GateEventIn] = Field(min_length=1, max_length=MAX_BATCH)


class GateEventRecorded(GateEventRead):
    """A read of a batch as stored, and whether this call stored it (false: a repeat)."""

    new: bool

    @classmethod
    def of(cls, read: GateEventRead, new: bool) -> "GateEventRecorded":
        """A read already validated, with whether it is new (nothing to check again)."""
        return cls.model_construct(**dict(read), new=new)


class GateEventBatchRead(BaseModel):
    """What became of each read of a batch, in its order."""

    events: list[GateEventRecorded]


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
        return cls(
            declaration_id=trip.id,
            gate_id=trip.gate_id,
            direction=trip.direction,
            plate=trip.tractor_plate,
            trailer_plate=trip.trailer_plate,
            delivery_mode=trip.delivery_mode,
            times=times,
            exited_at=exited_at,
            dwell_minutes=minutes_between(start, exited_at) if start else None,
        )


class YardTruck(BaseModel):
    """A truck in a yard now, and how long it has been there."""

    declaration_id: uuid.UUID
    plate: str
    status: str
    entered_at: datetime
    dwell_minutes: float


class YardState(BaseModel):
    """One yard now: how full it is, how long trucks stay, who is in it."""

    code: str
    name: str
    name_vi: str | None = None  # the name in each language, where the registry has it
    name_zh: str | None = None
    name_en: str | None = None
    capacity: int
    present: int
    share: float = Field(description="present / capacity")
    level: Literal["ok", "warning", "full"] = Field(description="warning from 90 %, full at 100 %")
    mean_dwell_minutes: float | None = Field(description="of the trucks in the yard now")
    left_today: int = Field(description="trucks that left since the gate's local midnight")
    mean_dwell_left_today_minutes: float | None
    trucks: list[YardTruck]


class YardBoard(BaseModel):
    """A gate's yards, for its operators' board."""

    gate_id: str
    yards: list[YardState]
    updated_at: datetime


class YardMoveIn(BaseModel):
    """An operator moves a truck into or out of a yard by hand (no camera saw it)."""

    model_config = ConfigDict(extra="forbid")

    declaration_id: uuid.UUID
    action: Literal["in", "out"]


class YardVisitRead(BaseModel):
    """A truck's stay in a yard."""

    model_config = ConfigDict(from_attributes=True)

    declaration_id: uuid.UUID
    gate_id: str
    yard_code: str
    plate: str
    entered_at: datetime
    left_at: datetime | None


class HandoverIn(BaseModel):
    """How a cleared truck's cargo crosses the line, as the operator at the lane records it."""

    model_config = ConfigDict(extra="forbid")

    lane: str = Field(min_length=1, max_length=40)
    mode: DeliveryMode
    near_driver: str | None = Field(default=None, max_length=120, description="our side's driver")
    far_driver: str | None = Field(
        default=None, max_length=120, description="the other side's driver (tractor swap)"
    )
    far_plate: str | None = Field(
        default=None, max_length=20, description="the other side's tractor or truck"
    )
    shuttle_id: str | None = Field(default=None, max_length=40, description="the AGV shuttle")


class HandoverRead(BaseModel):
    """A recorded handover."""

    model_config = ConfigDict(from_attributes=True)

    declaration_id: uuid.UUID
    gate_id: str
    lane: str
    mode: str
    near_driver: str | None
    far_driver: str | None
    far_plate: str | None
    shuttle_id: str | None
    recorded_by: str
    at: datetime


class TariffRead(BaseModel):
    """A gate's tariff as the tables of a tariff document, and where it comes from."""

    gate_id: str
    source: Literal["shipped", "set in the app"]
    updated_by: str | None
    updated_at: datetime | None
    tables: dict[str, Any] = Field(
        description="currency, round_to, bands [{below_t, fee}], goods {hs_prefix: {label, "
        "factor}}, directions, delivery_modes"
    )


class FeeReportRow(BaseModel):
    """One crossed trip's fee and how it was made."""

    declaration_id: uuid.UUID
    plate: str
    direction: str
    delivery_mode: str
    exited_at: datetime
    vehicle_kg: float
    weight_band: str
    goods: str
    amount: int
    factors: dict[str, float] = Field(description="goods, direction and delivery mode factors")

    @classmethod
    def of(cls, trip: Any, exited_at: datetime, fee: "FeeRead") -> "FeeReportRow":
        """A report row from the trip and its fee."""
        lines = {line.item: line for line in fee.lines}
        return cls(
            declaration_id=trip.id,
            plate=trip.tractor_plate,
            direction=trip.direction,
            delivery_mode=trip.delivery_mode,
            exited_at=exited_at,
            vehicle_kg=fee.vehicle_kg,
            weight_band=lines["weight_band"].detail,
            goods=lines["goods"].detail,
            amount=fee.amount,
            factors={item: line.factor for item, line in lines.items() if line.factor is not None},
        )


class FeeReport(BaseModel):
    """A gate's fees for one local day: each crossed trip, the total and the total by way."""

    gate_id: str
    day_start: datetime
    currency: str
    trips: int
    total: int
    by_direction: dict[str, int]
    rows: list[FeeReportRow]
