"""The authority's page of the daily reconciliation with the other side: the crossings both
sides saw (matched, or times apart), those one side saw only, and the other side's manifests
no crossing followed; with the day's sheet to download. Thin over the exchange's
reconciliation."""

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from smartgate.api.deps import OptionalActor, SettingsDep, UoW
from smartgate.exchange import reconciliation as reconciling
from smartgate.exchange import statistics
from smartgate.registry import services as registry
from smartgate.shared.clock import utcnow
from smartgate.web.landing import authority_only
from smartgate.web.pages import render, shown, sign_in_first

# Every other role gets the 403 page the authority's other pages give.
router = APIRouter(include_in_schema=False, dependencies=[Depends(authority_only)])
API = "/api/v1/exchange/reconciliation"


@router.get("/exchange/reconciliation")
def reconciliation_page(
    request: Request,
    uow: UoW,
    actor: OptionalActor,
    settings: SettingsDep,
    day: Annotated[date | None, Query(alias="date")] = None,
    gate_id: Annotated[str, Query(max_length=40)] = "",
    minutes: Annotated[int | None, Query(ge=1, le=24 * 60)] = None,
) -> Response:
    """One local day (yesterday unless asked), at one gate or every gate: how many crossings
    match, differ in time, were seen on one side only, and the manifests no crossing
    followed; each line with both sides' times; the sheet as xlsx or CSV."""
    if actor is None:
        return sign_in_first(request)
    day = day or statistics.yesterday(settings.side, utcnow())
    minutes = minutes or settings.reconcile_minutes

    def page() -> Response:
        report = reconciling.reconciliation(
            uow=uow, actor=actor, day=day, gate_id=gate_id or None, minutes=minutes,
            side=settings.side,
        )  # fmt: skip
        gates = registry.list_gates(uow=uow)
        query = {"date": day.isoformat(), "gate_id": gate_id, "minutes": minutes}
        return render(
            request,
            "reconciliation.html",
            actor,
            report=report,
            gates={g.id: g for g in gates},
            chosen_gate=gate_id,
            categories=reconciling.CATEGORIES,
            sheet={
                kind: f"{API}?{urlencode(query | {'format': kind})}" for kind in ("xlsx", "csv")
            },
        )

    return shown(request, actor, page)
