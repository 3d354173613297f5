"""Declaration schemas: create, amend, copy, bulk, read, page, history."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from smartgate.declarations.containers import parse_container
from smartgate.declarations.model import CURRENCIES, MAX_TRUCK_KG
from smartgate.declarations.plates import parse_plate
from smartgate.registry.model import Direction
from smartgate.shared.terms import DeliveryMode
from smartgate.shared.validation import Moment, no_control_characters
from smartgate.shared.wording import Wording


def _tractor(text: str) -> str:
    return parse_plate(text).text


def _trailer(text: str) -> str:
    return parse_plate(text, trailer=True).text


def _currency(text: str) -> str:
    if text not in CURRENCIES:
        raise ValueError(Wording("must be one of {choices}", choices=", ".join(sorted(CURRENCIES))))
    return text


def _text(max_length: int) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        AfterValidator(no_control_characters),
    ]


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError(Wording("cannot be null; leave it out to keep it as it is"))
    return value


def _omittable(kind: Any) -> Any:
    # A field a change may leave out (it then keeps its value) but never set to null: the
    # default None stands for "left out", and the schema does not offer null.
    return Annotated[kind | SkipJsonSchema[None], AfterValidator(_not_null)]


TractorPlate = Annotated[str, StringConstraints(max_length=20), AfterValidator(_tractor)]
TrailerPlate = Annotated[str, StringConstraints(max_length=20), AfterValidator(_trailer)]
ContainerNumber = Annotated[str, StringConstraints(max_length=20), AfterValidator(parse_container)]
HSCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_currency)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{6,20}$")]
DriverName = _text(120)
Description = _text(200)
Kilograms = Annotated[float, Field(gt=0, le=MAX_TRUCK_KG, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]

_STRICT = ConfigDict(extra="forbid")


class GoodsLineIn(BaseModel):
    """A goods line as declared."""

    model_config = _STRICT

    hs_code: HSCode = Field(description="6-digit HS 2022 subheading, e.g. 081060")
    description: Description
    gross_kg: Kilograms
    value: Money
    currency: Currency = "USD"
    perishable: bool = False
    cold_chain: bool = False
    production_input: bool = False


class GoodsLineUpdate(BaseModel):
    """Fields of one goods line to change; the others stay."""

    model_config = _STRICT

    hs_code: _omittable(HSCode) = None
    description: _omittable(Description) = None
    gross_kg: _omittable(Kilograms) = None
    value: _omittable(Money) = None
    currency: _omittable(Currency) = None
    perishable: _omittable(bool) = None
    cold_chain: _omittable(bool) = None
    production_input: _omittable(bool) = None

    @model_validator(mode="after")
    def _something_to_change(self) -> "GoodsLineUpdate":
        _require_some(self)
        return self


class DeclarationCreate(BaseModel):
    """A trip pre-declaration: truck, driver, containers, goods and expected arrival."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "gate_id": "huu-nghi",
                    "direction": "export",
                    "tractor_plate": "12C-123.45",
                    "trailer_plate": "12R-012.34",
                    "driver_name": "Nguyễn Văn An",
                    "containers": ["CSQU3054383"],
                    "expected_arrival": "2026-11-24T08:00:00+07:00",
                    "goods": [
                        {
                            "hs_code": "081060",
                            "description": "Fresh durian",
                            "gross_kg": 18000,
                            "value": 25000,
                            "currency": "USD",
                            "perishable": True,
                        }
                    ],
                }
            ]
        },
    )

    gate_id: str = Field(max_length=40)
    direction: Direction
    tractor_plate: TractorPlate
    trailer_plate: TrailerPlate | None = None
    driver_name: DriverName
    driver_phone: Phone | None = None
    delivery_mode: DeliveryMode = Field(
        default="direct",
        description="how the load crosses: the driver drives over (direct) or hands over at the"
        " line (tractor_swap, transshipment, shuttle)",
    )
    containers: list[ContainerNumber] = Field(default=[], max_length=10)
    expected_arrival: Moment
    goods: list[GoodsLineIn] = Field(min_length=1, max_length=50)


class DeclarationUpdate(BaseModel):
    """Trip fields to change; goods lines and containers have their own endpoints."""

    model_config = _STRICT

    tractor_plate: _omittable(TractorPlate) = None
    trailer_plate: TrailerPlate | None = Field(default=None, description="null: no trailer")
    driver_name: _omittable(DriverName) = None
    driver_phone: Phone | None = Field(default=None, description="null: no phone number")
    delivery_mode: _omittable(DeliveryMode) = None
    expected_arrival: _omittable(Moment) = None

    @model_validator(mode="after")
    def _something_to_change(self) -> "DeclarationUpdate":
        _require_some(self)
        return self


class DeclarationCopy(BaseModel):
    """Start a new declaration from an earlier one; give what differs, and leave out what
    stays as it was on the earlier trip."""

    model_config = _STRICT

    expected_arrival: Moment
    tractor_plate: _omittable(TractorPlate) = None
    trailer_plate: TrailerPlate | None = Field(default=None, description="null: no trailer")
    driver_name: _omittable(DriverName) = None


class ContainerIn(BaseModel):
    """One container number, to add or to replace another."""

    model_config = _STRICT

    number: ContainerNumber


class DeclarationBulk(BaseModel):
    """Many trucks at once; one bad declaration saves none."""

    model_config = _STRICT

    declarations: list[DeclarationCreate] = Field(min_length=1, max_length=1000)


class GoodsLineRead(GoodsLineIn):
    """A stored goods line with its stable number."""

    model_config = ConfigDict(from_attributes=True)

    line_no: int


class DeclarationRead(BaseModel):
    """A stored declaration."""

    id: uuid.UUID
    gate_id: str
    direction: Direction
    tractor_plate: str
    trailer_plate: str | None
    driver_name: str
    driver_phone: str | None
    delivery_mode: DeliveryMode
    containers: list[str]
    expected_arrival: datetime
    goods: list[GoodsLineRead]
    status: str
    owner: str
    company: str | None
    copied_from: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class DeclarationPage(BaseModel):
    """One page of declarations, newest first."""

    items: list[DeclarationRead]
    total: int
    limit: int
    offset: int


class BulkResult(BaseModel):
    """What a bulk declaration stored."""

    created: list[uuid.UUID]


class HistoryRead(BaseModel):
    """One change: who, when, what, before and after."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str
    action: str
    path: str
    before: Any
    after: Any


def _require_some(update: BaseModel) -> None:
    if not update.model_fields_set:
        raise ValueError(Wording("give at least one field to change"))
