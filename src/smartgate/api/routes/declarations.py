"""Declaration endpoints: drivers and forwarders declare and amend; officials read."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from smartgate.api.deps import CurrentActor, UoW, require
from smartgate.api.errors import ERRORS
from smartgate.declarations import amendments, services
from smartgate.declarations.plates import PlateError, parse_plate
from smartgate.declarations.repository import DeclarationFilter
from smartgate.declarations.schemas import (
    BulkResult,
    ContainerIn,
    DeclarationBulk,
    DeclarationCopy,
    DeclarationCreate,
    DeclarationPage,
    DeclarationRead,
    DeclarationUpdate,
    GoodsLineIn,
    GoodsLineUpdate,
    HistoryRead,
)
from smartgate.registry.model import Direction
from smartgate.shared.actor import Actor
from smartgate.shared.errors import FieldError, ValidationFailed
from smartgate.shared.validation import RowId
from smartgate.shared.wording import Wording

router = APIRouter(prefix="/api/v1/declarations", tags=["declarations"], responses=ERRORS)
Declarer = Annotated[Actor, require("driver", "forwarder")]
Id = Annotated[uuid.UUID, "declaration id"]


@router.post("", status_code=201, operation_id="create_declaration")
def create(body: DeclarationCreate, actor: Declarer, uow: UoW) -> DeclarationRead:
    """Pre-declare a trip (driver, forwarder). One bad field saves nothing."""
    return services.declare(uow=uow, actor=actor, data=body)


@router.post("/bulk", status_code=201, operation_id="create_declarations_bulk")
def create_bulk(body: DeclarationBulk, actor: Declarer, uow: UoW) -> BulkResult:
    """Declare many trucks at once (forwarder, driver); one bad declaration saves none."""
    outcome = services.declare_many(uow=uow, actor=actor, items=body.declarations)
    if outcome.failed:
        errors = [
            error
            for index, failure in sorted(outcome.failed.items())
            for error in failure.prefixed(f"declarations.{index}").errors
        ]
        raise ValidationFailed(errors)
    return BulkResult(created=outcome.created)


@router.get("", operation_id="list_declarations")
def list_all(
    actor: CurrentActor,
    uow: UoW,
    gate_id: Annotated[str | None, Query(max_length=40)] = None,
    direction: Direction | None = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    plate: Annotated[str | None, Query(max_length=20, description="tractor plate")] = None,
    arriving_from: datetime | None = None,
    arriving_to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DeclarationPage:
    """Declarations you may see (driver: own, forwarder: company, operator: gate), newest first."""
    filters = DeclarationFilter(
        gate_id=gate_id,
        direction=direction,
        status=status,
        plate=_plate_filter(plate),
        arriving_from=_aware("arriving_from", arriving_from),
        arriving_to=_aware("arriving_to", arriving_to),
    )
    return services.list_declarations(
        uow=uow, actor=actor, filters=filters, limit=limit, offset=offset
    )


def _plate_filter(plate: str | None) -> str | None:
    if plate is None:
        return None
    try:
        return parse_plate(plate).text
    except PlateError as exc:
        raise ValidationFailed([FieldError("plate", str(exc))]) from None


def _aware(name: str, moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise ValidationFailed([FieldError(name, Wording("needs a time zone, e.g. +07:00"))])
    return moment


@router.get("/{declaration_id}", operation_id="get_declaration")
def get_one(declaration_id: Id, actor: CurrentActor, uow: UoW) -> DeclarationRead:
    """One declaration; someone else's answers 404."""
    return services.get(uow=uow, actor=actor, declaration_id=declaration_id)


@router.get("/{declaration_id}/history", operation_id="declaration_history")
def history(declaration_id: Id, actor: CurrentActor, uow: UoW) -> list[HistoryRead]:
    """Every change: who, when, what, before and after."""
    return services.history(uow=uow, actor=actor, declaration_id=declaration_id)


@router.patch("/{declaration_id}", operation_id="amend_declaration")
def amend(
    declaration_id: Id, body: DeclarationUpdate, actor: Declarer, uow: UoW
) -> DeclarationRead:
    """Change plates, driver or expected arrival; goods and containers stay."""
    return amendments.amend_trip(uow=uow, actor=actor, declaration_id=declaration_id, changes=body)


@router.post("/{declaration_id}/copy", status_code=201, operation_id="copy_declaration")
def copy(declaration_id: Id, body: DeclarationCopy, actor: Declarer, uow: UoW) -> DeclarationRead:
    """Start a new declaration from an earlier one; give the new arrival and what differs."""
    return services.copy(uow=uow, actor=actor, declaration_id=declaration_id, changes=body)


@router.post("/{declaration_id}/cancel", operation_id="cancel_declaration")
def cancel(declaration_id: Id, actor: Declarer, uow: UoW) -> DeclarationRead:
    """Cancel a declaration."""
    return amendments.cancel(uow=uow, actor=actor, declaration_id=declaration_id)


@router.post("/{declaration_id}/goods", status_code=201, operation_id="add_goods_line")
def add_goods(declaration_id: Id, body: GoodsLineIn, actor: Declarer, uow: UoW) -> DeclarationRead:
    """Add one goods line."""
    return amendments.add_goods_line(uow=uow, actor=actor, declaration_id=declaration_id, line=body)


@router.patch("/{declaration_id}/goods/{line_no}", operation_id="amend_goods_line")
def amend_goods(
    declaration_id: Id, line_no: RowId, body: GoodsLineUpdate, actor: Declarer, uow: UoW
) -> DeclarationRead:
    """Correct one goods line without redoing the declaration."""
    return amendments.amend_goods_line(
        uow=uow, actor=actor, declaration_id=declaration_id, line_no=line_no, changes=body
    )


@router.delete("/{declaration_id}/goods/{line_no}", operation_id="remove_goods_line")
def remove_goods(declaration_id: Id, line_no: RowId, actor: Declarer, uow: UoW) -> DeclarationRead:
    """Remove one goods line (not the last)."""
    return amendments.remove_goods_line(
        uow=uow, actor=actor, declaration_id=declaration_id, line_no=line_no
    )


@router.post("/{declaration_id}/containers", status_code=201, operation_id="add_container")
def add_container(
    declaration_id: Id, body: ContainerIn, actor: Declarer, uow: UoW
) -> DeclarationRead:
    """Add a container."""
    return amendments.add_container(uow=uow, actor=actor, declaration_id=declaration_id, new=body)


@router.patch("/{declaration_id}/containers/{number}", operation_id="replace_container")
def replace_container(
    declaration_id: Id, number: str, body: ContainerIn, actor: Declarer, uow: UoW
) -> DeclarationRead:
    """Correct one container number, keeping its place."""
    return amendments.replace_container(
        uow=uow, actor=actor, declaration_id=declaration_id, number=number, new=body
    )


@router.delete("/{declaration_id}/containers/{number}", operation_id="remove_container")
def remove_container(declaration_id: Id, number: str, actor: Declarer, uow: UoW) -> DeclarationRead:
    """Take a container off the declaration."""
    return amendments.remove_container(
        uow=uow, actor=actor, declaration_id=declaration_id, number=number
    )
