"""Registry schemas: the gate document authorities load, and what the API returns."""

from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartgate.registry.model import Direction
from smartgate.shared.terms import DeliveryMode

Slug = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)
# An HS chapter: two digits, 01 to 97.
Chapter = Annotated[str, Field(pattern=r"^(0[1-9]|[1-8][0-9]|9[0-7])$")]
HSPrefix = Field(pattern=r"^(\*|\d{2}|\d{4}|\d{6})$")


class RoadIn(BaseModel):
    """A dedicated freight road in a gate document."""

    model_config = ConfigDict(extra="forbid")

    id: str = Slug
    name_vi: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    markers: str = Field(min_length=1)
    vehicles_per_day: int = Field(ge=0)
    target: tuple[int, int]


class LaneIn(BaseModel):
    """A crossing lane in a gate document."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    name_vi: str | None = Field(default=None, min_length=1, max_length=120)
    name_zh: str | None = Field(default=None, min_length=1, max_length=120)
    name_en: str | None = Field(default=None, min_length=1, max_length=120)
    direction: Direction
    road: str | None = None
    modes: list[DeliveryMode] = Field(min_length=1)


class YardIn(BaseModel):
    """A cargo yard in a gate document."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    name_vi: str | None = Field(default=None, min_length=1, max_length=120)
    name_zh: str | None = Field(default=None, min_length=1, max_length=120)
    name_en: str | None = Field(default=None, min_length=1, max_length=120)
    capacity: int = Field(gt=0, le=20000)
    cold_storage: bool = False


class GateIn(BaseModel):
    """One gate pair in a gate document."""

    model_config = ConfigDict(extra="forbid")

    id: str = Slug
    name_vi: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    counterpart_vi: str = Field(min_length=1)
    province_vi: str = Field(min_length=1)
    city_zh: str = Field(min_length=1)
    gate_type: Literal["international", "main", "bilateral", "secondary", "opening"]
    opens: time
    closes: time
    permitted: dict[Direction, list[str]]
    road: list[RoadIn] = []
    lane: list[LaneIn] = Field(min_length=1)
    yard: list[YardIn] = []
    quarantine_chapters: list[Chapter] | None = Field(
        default=None, description="HS chapters quarantine inspects here (default 01-14)"
    )

    @model_validator(mode="after")
    def _lanes_use_known_roads(self) -> "GateIn":
        roads = {r.id for r in self.road}
        for lane in self.lane:
            if lane.road is not None and lane.road not in roads:
                raise ValueError(f"lane {lane.code} names unknown road {lane.road!r}")
        for prefixes in self.permitted.values():
            for prefix in prefixes:
                if prefix != "*" and not (prefix.isdigit() and len(prefix) in (2, 4, 6)):
                    raise ValueError(f"permitted prefix {prefix!r} is not 2, 4 or 6 digits or *")
        return self


class GatesDocument(BaseModel):
    """A whole gate document (TOML): a list of gates."""

    model_config = ConfigDict(extra="forbid")

    gate: list[GateIn] = Field(min_length=1)


class LaneRead(BaseModel):
    """A lane as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_vi: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    direction: Direction
    delivery_modes: list[DeliveryMode]
    road_id: str | None
    is_open: bool


class YardRead(BaseModel):
    """A yard as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_vi: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    capacity_trucks: int
    cold_storage: bool


class RoadRead(BaseModel):
    """A dedicated freight road as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name_vi: str
    name_en: str
    name_zh: str | None = None
    markers: str
    vehicles_per_day: int
    target_min_per_day: int
    target_max_per_day: int


class LocalHours(BaseModel):
    """Opening hours on one side's clock."""

    opens: time
    closes: time


class OpeningHours(BaseModel):
    """Opening hours stored in UTC and shown on both sides' clocks."""

    opens_utc: time
    closes_utc: time
    vn: LocalHours
    cn: LocalHours
    open_now: bool


class GateRead(BaseModel):
    """A gate pair with its lanes, roads, yards, hours and permitted goods."""

    id: str
    name_vi: str
    name_zh: str
    name_en: str
    counterpart_vi: str
    province_vi: str
    city_zh: str
    gate_type: str
    opening_hours: OpeningHours
    lanes: list[LaneRead]
    roads: list[RoadRead]
    yards: list[YardRead]
    permitted: dict[Direction, list[str]]
    quarantine_chapters: list[str] = Field(description="HS chapters quarantine inspects here")


class HSRead(BaseModel):
    """One heading of the HS nomenclature."""

    code: str
    description: str
    level: int
    parent: str | None
    section: str
    names_vi: str
    names_zh: str


class HSPage(BaseModel):
    """HS search results."""

    query: str
    items: list[HSRead]
