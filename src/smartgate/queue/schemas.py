"""Queue shapes for the API: slots, bookings, the waiting area and the public feed."""

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartgate.registry.model import Direction
from smartgate.shared.validation import Moment
from smartgate.shared.wording import Wording

_STRICT = ConfigDict(extra="forbid")


class SlotRead(BaseModel):
    """One hourly slot: what both sides can handle, what bookings may take, what is left."""

    start: datetime
    end: datetime
    capacity: int
    quota: int = Field(description="places bookings may take; the rest serves the live queue")
    booked: int
    remaining: int


class SlotDay(BaseModel):
    """A gate's slots for one local date and direction."""

    gate_id: str
    direction: Direction
    date: date
    slots: list[SlotRead]


class BookingCreate(BaseModel):
    """Book the hour starting at `slot_start` for a declared trip."""

    model_config = _STRICT

    declaration_id: uuid.UUID
    slot_start: Moment


class BookingMove(BaseModel):
    """Move a booking to another hour."""

    model_config = _STRICT

    slot_start: Moment


class BookingRead(BaseModel):
    """A stored booking; `pass_code` is what the QR pass carries."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    declaration_id: uuid.UUID
    gate_id: str
    direction: Direction
    plate: str
    slot_start: datetime
    status: str
    hold_reason: str | None
    reschedules: int
    pass_code: str
    created_at: datetime


class CancellationCount(BaseModel):
    """How often one company or vehicle cancelled."""

    name: str
    cancellations: int


class CancellationStats(BaseModel):
    """Who cancels bookings at a gate: the sign of slot hoarding and reselling."""

    gate_id: str
    since: datetime
    by_company: list[CancellationCount]
    by_vehicle: list[CancellationCount]


class ArrivalIn(BaseModel):
    """A truck reaches the waiting area: scan its pass (any case), or give its declaration
    or its tractor plate."""

    model_config = _STRICT

    pass_code: str | None = Field(default=None, max_length=32)
    declaration_id: uuid.UUID | None = None
    plate: str | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _one_way_to_find_it(self) -> "ArrivalIn":
        given = [self.pass_code, self.declaration_id, self.plate]
        if sum(value is not None for value in given) != 1:
            raise ValueError(Wording("give one of pass code, declaration id or plate"))
        return self


class CallNextIn(BaseModel):
    """Call the next trucks of one direction to the border, optionally to a named lane."""

    model_config = _STRICT

    direction: Direction
    count: int = Field(default=1, ge=1, le=50)
    lane: str | None = Field(default=None, max_length=40)


class QueueEntryRead(BaseModel):
    """A truck in the waiting area with its place in line."""

    id: uuid.UUID
    declaration_id: uuid.UUID
    gate_id: str
    direction: Direction
    plate: str
    status: str
    lane: str | None = Field(description="priority class, booked or live, while waiting")
    position: int | None = Field(description="trucks to be called before this one")
    eta: datetime | None = Field(description="expected call time at the current pace")
    arrived_at: datetime
    slot_start: datetime | None
    hold_reason: str | None
    called_at: datetime | None
    called_lane: str | None


class QueueBoard(BaseModel):
    """A gate's waiting area for one direction: counts, pace and the head of the line."""

    gate_id: str
    direction: Direction
    waiting: int
    held: int
    lanes: dict[str, int]
    pace_per_hour: float
    next_up: list[QueueEntryRead]
    called: list[QueueEntryRead]
    on_hold: list[QueueEntryRead] = Field(description="held trucks with the reason, oldest first")
    updated_at: datetime
    capacity_this_hour: int = Field(
        default=0, description="trucks both sides handle this hour; 0: nobody may be called"
    )
    room_this_hour: int = Field(default=0, description="trucks that may still be called this hour")


class WaitTime(BaseModel):
    """Public feed entry, like the US CBP border wait times."""

    gate_id: str
    gate_name_vi: str
    gate_name_zh: str
    direction: Direction
    delay_minutes: int | None = Field(description="expected wait for a truck arriving now")
    trucks_waiting: int
    lanes_open: int
    update_time: datetime


class NoticeRead(BaseModel):
    """A message to a truck."""

    model_config = ConfigDict(from_attributes=True)

    declaration_id: uuid.UUID
    plate: str
    kind: str
    message: str = Field(description="in English, times in UTC")
    text_id: str | None = Field(None, description="which wording, for clients that translate")
    params: dict[str, Any] | None = Field(None, description="the wording's values")
    created_at: datetime
