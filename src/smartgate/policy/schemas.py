"""Policy shapes for the API: capacity, suspensions and a gate's queue rules."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from smartgate.registry.model import Direction
from smartgate.shared.terms import PRIORITY_CLASSES
from smartgate.shared.validation import Moment
from smartgate.shared.wording import Wording

_STRICT = ConfigDict(extra="forbid")
Side = Literal["VN", "CN"]
Flag = Literal["perishable", "cold_chain", "production_input"]
PriorityClass = Literal["backlog", "production_input", "perishable", "cold_chain"]


def _hs_prefix(value: str) -> str:
    if not (value.isascii() and value.isdigit() and 2 <= len(value) <= 6):
        raise ValueError(Wording("must be 2 to 6 digits of an HS code, e.g. 0303"))
    return value


HSPrefix = Annotated[str, AfterValidator(_hs_prefix), Field(max_length=6)]


class CapacityIn(BaseModel):
    """Trucks per hour one side can handle, for a range of its local clock hours."""

    model_config = _STRICT

    direction: Direction
    trucks_per_hour: int = Field(ge=0, le=1000)
    from_hour: int = Field(ge=0, le=23, description="first local hour, e.g. 7 for 07:00")
    to_hour: int = Field(ge=1, le=24, description="local hour the range ends, e.g. 19")
    side: Side | None = Field(
        default=None, description="whose declaration this is; default this instance's side"
    )
    lane: str = Field(default="", max_length=40, description="one lane's code; empty: the gate")
    day: date | None = Field(default=None, description="only this local date; empty: every day")

    @model_validator(mode="after")
    def _range_forward(self) -> "CapacityIn":
        if self.to_hour <= self.from_hour:
            raise ValueError(Wording("the end hour must be after the start hour"))
        return self


class CapacityHour(BaseModel):
    """One hour's capacity as each side declared it and as both can handle it."""

    start: datetime
    vn: int | None
    cn: int | None
    effective: int


class CapacitySource(BaseModel):
    """Who declared a side's figures, and when last: an authority here, or the other side's
    instance through the exchange (`peer:NAME`)."""

    side: Side
    declared_by: str
    declared_at: datetime
    received: bool = Field(description="true when the figures arrived through the exchange")


class CapacityDay(BaseModel):
    """A gate's capacity hour by hour for one local date and direction."""

    gate_id: str
    direction: Direction
    day: date
    hours: list[CapacityHour]
    sources: list[CapacitySource] = []


class SuspensionIn(BaseModel):
    """Stop traffic at a gate (or every gate), in a direction (or both), for some goods."""

    model_config = _STRICT

    # Held trucks carry "suspended: <reason>" in a 300-character column.
    reason: str = Field(min_length=3, max_length=280)
    gate_id: str | None = Field(default=None, max_length=40)
    direction: Direction | None = None
    hs_prefixes: list[HSPrefix] = Field(default=[], max_length=50)
    flags: list[Flag] = Field(default=[], max_length=3)
    starts_at: Moment | None = Field(default=None, description="default: now")
    ends_at: Moment | None = Field(default=None, description="default: until lifted")

    @model_validator(mode="after")
    def _ends_after_start(self) -> "SuspensionIn":
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError(Wording("the end must be after the start"))
        return self


class SuspensionRead(BaseModel):
    """A stored suspension."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    reason: str
    gate_id: str | None
    direction: Direction | None
    hs_prefixes: list[str]
    flags: list[str]
    starts_at: datetime
    ends_at: datetime | None
    created_by: str
    lifted_by: str | None


class GateRulesIO(BaseModel):
    """A gate's queue and booking rules."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    priority_order: list[PriorityClass] = Field(
        max_length=len(PRIORITY_CLASSES), description="classes called first, in this order"
    )
    backlog_hours: float = Field(gt=0, le=24 * 30, description="waiting longer makes backlog")
    live_every: int = Field(ge=1, le=100, description="one live-queue truck per this many booked")
    green_zone: bool = Field(description="only contactless delivery modes; drivers do not cross")
    booking_share: float = Field(ge=0, le=1, description="share of hourly capacity bookable")
    window_days: int = Field(ge=1, le=60)
    no_show_minutes: int = Field(ge=1, le=24 * 60)
    no_show_limit: int = Field(ge=1, le=100)
    no_show_block_days: int = Field(ge=0, le=365)
    cancel_limit: int = Field(ge=1, le=1000)
    rebook_cooldown_minutes: int = Field(ge=0, le=7 * 24 * 60)
    max_reschedules: int = Field(ge=0, le=100)
    bookings_per_minute: int = Field(ge=1, le=10_000)
    declaration_valid_hours: int = Field(
        72, ge=1, le=24 * 30,
        description="hours after its expected arrival a trip may still book or join the line; "
        "a booked or queued trip stays valid",
    )  # fmt: skip

    @model_validator(mode="after")
    def _classes_once(self) -> "GateRulesIO":
        if len(set(self.priority_order)) != len(self.priority_order):
            raise ValueError(Wording("the priority order names a class twice"))
        return self
