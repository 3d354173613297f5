"""Gate registry and HS nomenclature endpoints (public)."""

from typing import Annotated

from fastapi import APIRouter, Query

from smartgate.api.deps import UoW
from smartgate.api.errors import ERRORS
from smartgate.registry import services
from smartgate.registry.schemas import GateRead, HSPage

router = APIRouter(prefix="/api/v1", tags=["registry"])


@router.get("/gates", operation_id="list_gates")
def list_gates(uow: UoW) -> list[GateRead]:
    """Every gate pair with lanes, freight roads, yards, opening hours and permitted goods."""
    return services.list_gates(uow=uow)


@router.get("/gates/{gate_id}", operation_id="get_gate", responses={404: ERRORS[404]})
def get_gate(gate_id: str, uow: UoW) -> GateRead:
    """One gate pair by its slug, e.g. `huu-nghi`."""
    return services.get_gate(uow=uow, gate_id=gate_id)


@router.get("/hs", operation_id="search_hs")
def search_hs(
    q: Annotated[str, Query(max_length=100, description="code prefix or words")] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> HSPage:
    """Search the HS 2022 nomenclature by code prefix or words (English, Vietnamese, Chinese)."""
    return services.search_hs(q, limit=limit)
