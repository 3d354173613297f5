"""Capacity, suspensions and gate rules: the border authority's levers."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from smartgate.api.deps import CurrentActor, SettingsDep, UoW
from smartgate.api.errors import ERRORS
from smartgate.policy import services as policy_services
from smartgate.policy.schemas import (
    CapacityDay,
    CapacityIn,
    GateRulesIO,
    SuspensionIn,
    SuspensionRead,
)
from smartgate.registry.model import Direction
from smartgate.shared.validation import RowId

router = APIRouter(prefix="/api/v1", tags=["policy"])
WRITE = {401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404], 409: ERRORS[409], 422: ERRORS[422]}


@router.get("/gates/{gate_id}/capacity", operation_id="get_capacity", responses={404: ERRORS[404]})
def get_capacity(
    gate_id: str,
    uow: UoW,
    settings: SettingsDep,
    date: Annotated[date, Query(description="local date at this instance's side")],
    direction: Direction = "export",
) -> CapacityDay:
    """Public: each hour's capacity as each side declared it, and the effective minimum."""
    return policy_services.capacity_day(
        uow=uow, gate_id=gate_id, direction=direction, day=date, side=settings.side
    )


@router.put("/gates/{gate_id}/capacity", operation_id="declare_capacity", responses=WRITE)
def declare_capacity(
    gate_id: str, data: CapacityIn, uow: UoW, actor: CurrentActor, settings: SettingsDep
) -> CapacityDay:
    """Authority: declare trucks per hour for local hours; overfull bookings move forward."""
    return policy_services.declare_capacity(
        uow=uow, actor=actor, gate_id=gate_id, data=data, own_side=settings.side
    )


@router.get("/gates/{gate_id}/rules", operation_id="get_gate_rules", responses={404: ERRORS[404]})
def get_gate_rules(gate_id: str, uow: UoW) -> GateRulesIO:
    """Public: the gate's priority order, green-zone mode and booking limits."""
    return policy_services.gate_rules(uow=uow, gate_id=gate_id)


@router.put("/gates/{gate_id}/rules", operation_id="set_gate_rules", responses=WRITE)
def set_gate_rules(gate_id: str, data: GateRulesIO, uow: UoW, actor: CurrentActor) -> GateRulesIO:
    """Authority: change the gate's rules; the waiting area re-orders at once."""
    return policy_services.set_gate_rules(uow=uow, actor=actor, gate_id=gate_id, data=data)


@router.get("/suspensions", operation_id="list_suspensions")
def list_suspensions(
    uow: UoW, gate_id: Annotated[str | None, Query(max_length=40)] = None, current: bool = True
) -> list[SuspensionRead]:
    """Public: suspensions (of one gate or all); by default only those not yet ended."""
    return policy_services.suspensions(uow=uow, gate_id=gate_id, current_only=current)


@router.post("/suspensions", status_code=201, operation_id="suspend", responses=WRITE)
def suspend(data: SuspensionIn, uow: UoW, actor: CurrentActor) -> SuspensionRead:
    """Authority: stop traffic; affected bookings and waiting trucks are held with the reason."""
    return policy_services.suspend(uow=uow, actor=actor, data=data)


@router.post("/suspensions/{suspension_id}/lift", operation_id="lift_suspension", responses=WRITE)
def lift_suspension(suspension_id: RowId, uow: UoW, actor: CurrentActor) -> SuspensionRead:
    """Authority: end a suspension now; held trucks return to their places in order."""
    return policy_services.lift(uow=uow, actor=actor, suspension_id=suspension_id)
