"""The border authority's page: capacity, suspensions and gate rules, each form answering in
its own part of the page, and the next hours simulated as the gate stands and with a change.
Thin over the policy services and the simulator's twin."""

import threading
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from smartgate.api.deps import OptionalActor, UoW
from smartgate.policy import services as policy_services
from smartgate.policy.schemas import CapacityIn, GateRulesIO, SuspensionIn
from smartgate.queue.snapshot import gate_snapshot
from smartgate.registry import services as registry
from smartgate.shared.actor import Actor
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import Conflict
from smartgate.shared.terms import PRIORITY_CLASSES
from smartgate.shared.validation import RowId
from smartgate.shared.wording import Wording
from smartgate.simulation import twin
from smartgate.simulation.schemas import PlanIn
from smartgate.web.landing import authority_only
from smartgate.web.pages import attempt, render, side_tz, sign_in_first, today
from smartgate.web.plan_view import comparison, plan_data
from smartgate.web.queue_forms import (
    capacity_data,
    fields,
    rules_data,
    shown_capacity,
    suspension_data,
)

# Every other role gets a 403 page, never the forms whose POST would be refused.
router = APIRouter(include_in_schema=False, dependencies=[Depends(authority_only)])
_PLANNING = threading.BoundedSemaphore(1)


@router.get("/authority")
def authority_home(request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """The first gate's page; each page links to the others."""
    if actor is None:
        return sign_in_first(request)
    first = registry.list_gates(uow=uow)[0]
    return RedirectResponse(f"/authority/{first.id}", status_code=303)


@router.get("/authority/{gate_id}")
def authority_page(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """Capacity with the day's table and where each side's figures come from, current
    suspensions (the form filled in from the query when it mirrors the other side's notice),
    and the gate's rules."""
    if actor is None:
        return sign_in_first(request)
    # "Mirror this suspension" on the exchange page opens the form filled in as its notice says.
    mirrored = request.query_params.get("mirror") == "1"
    prefill = fields(request.query_params, lists=("flags",)) if mirrored else None
    context = (
        _capacity(request, uow, gate_id, {})
        | _suspensions(uow, gate_id, prefill)
        | {"rules_form": policy_services.gate_rules(uow=uow, gate_id=gate_id).model_dump()}
        | {"plan_form": {"hours": "48"}, "plan_result": None}
    )
    return _section(request, uow, actor, gate_id, None, **context)


@router.get("/authority/{gate_id}/capacity")
def capacity_table(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """The capacity part for the day and direction chosen in its form (HTMX)."""
    if actor is None:
        return sign_in_first(request)
    form = fields(request.query_params)
    return _section(
        request, uow, actor, gate_id, "capacity", **_capacity(request, uow, gate_id, form)
    )


@router.post("/authority/{gate_id}/capacity")
async def declare_capacity(
    gate_id: str, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """Declare one side's trucks per hour; the table shows the day it changed."""
    if actor is None:
        return sign_in_first(request)
    form = fields(await request.form())
    side = request.app.state.settings.side
    declared, errors = attempt(
        lambda: policy_services.declare_capacity(
            uow=uow,
            actor=actor,
            gate_id=gate_id,
            data=CapacityIn.model_validate(capacity_data(form)),
            own_side=side,
        )
    )
    if declared:
        context = {"capacity": declared, "capacity_form": form}
    else:
        context = _capacity(request, uow, gate_id, form)
    done = "capacity" if declared else None
    return _section(request, uow, actor, gate_id, "capacity", errors, done, **context)


@router.post("/authority/{gate_id}/suspensions")
async def suspend(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """Stop some traffic at this gate (or every gate); affected trucks are held."""
    if actor is None:
        return sign_in_first(request)
    form = fields(await request.form(), lists=("flags",))
    data = suspension_data(form, gate_id, side_tz(request))
    made, errors = attempt(
        lambda: policy_services.suspend(
            uow=uow, actor=actor, data=SuspensionIn.model_validate(data)
        )
    )
    context = _suspensions(uow, gate_id, {} if made else form)
    done = "suspended" if made else None
    return _section(request, uow, actor, gate_id, "suspensions", errors, done, **context)


@router.post("/authority/{gate_id}/suspensions/{suspension_id}/lift")
def lift(
    gate_id: str, suspension_id: RowId, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """End a suspension now; held trucks go back to their places."""
    if actor is None:
        return sign_in_first(request)
    lifted, errors = attempt(
        lambda: policy_services.lift(uow=uow, actor=actor, suspension_id=suspension_id)
    )
    context = _suspensions(uow, gate_id)
    done = "lifted" if lifted else None
    return _section(request, uow, actor, gate_id, "suspensions", errors, done, **context)


@router.post("/authority/{gate_id}/rules")
async def set_rules(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """Change the gate's queue and booking rules."""
    if actor is None:
        return sign_in_first(request)
    form = fields(await request.form(), lists=("priority_order",))
    saved, errors = attempt(
        lambda: policy_services.set_gate_rules(
            uow=uow,
            actor=actor,
            gate_id=gate_id,
            data=GateRulesIO.model_validate(rules_data(form)),
        )
    )
    rules_form = saved.model_dump() if saved else form
    done = "rules" if saved else None
    return _section(request, uow, actor, gate_id, "rules", errors, done, rules_form=rules_form)


@router.post("/authority/{gate_id}/plan")
async def plan(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """Simulate the gate's next hours as it stands and with a change, side by side."""
    if actor is None:
        return sign_in_first(request)
    form = fields(await request.form())
    side = request.app.state.settings.side

    def compared() -> dict[str, Any]:
        data = PlanIn.model_validate(plan_data(form))
        now = utcnow()
        snapshot = gate_snapshot(
            uow=uow, actor=actor, gate_id=gate_id, direction=data.direction, side=side,
            until=now + timedelta(hours=data.hours + 1), now=now,
        )  # fmt: skip
        # A plan takes seconds of CPU: one at a time per process, so the gate's own work
        # (check-ins, calls) never queues behind several of them.
        if not _PLANNING.acquire(blocking=False):
            raise Conflict(Wording("another plan is running; try again in a moment"))
        try:
            return comparison(twin.compare(snapshot, data), data.hours)
        finally:
            _PLANNING.release()

    # The runs take a few seconds of CPU: off the event loop, as sync routes are.
    result, errors = await run_in_threadpool(attempt, compared)
    return _section(
        request, uow, actor, gate_id, "plan", errors, plan_form=form, plan_result=result
    )


def _capacity(request: Request, uow: UoW, gate_id: str, form: dict[str, Any]) -> dict[str, Any]:
    day, direction = shown_capacity(form, today(request))
    shown = policy_services.capacity_day(
        uow=uow,
        gate_id=gate_id,
        direction=direction,
        day=day,
        side=request.app.state.settings.side,
    )
    return {"capacity": shown, "capacity_form": form}


def _suspensions(uow: UoW, gate_id: str, form: dict[str, Any] | None = None) -> dict[str, Any]:
    current = policy_services.suspensions(uow=uow, gate_id=gate_id, current_only=True)
    return {"suspensions": current, "suspension_form": form or {}}


def _section(
    request: Request,
    uow: UoW,
    actor: Actor,
    gate_id: str,
    block: str | None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    **context: Any,
) -> HTMLResponse:
    # Only one section answers a form, so `errors` and `done` (what went through) are its own.
    return render(
        request,
        "authority.html",
        actor,
        block=block,
        gate=registry.get_gate(uow=uow, gate_id=gate_id),
        gates=registry.list_gates(uow=uow) if block is None else [],
        own_side=request.app.state.settings.side,
        priority_classes=PRIORITY_CLASSES,
        errors=errors or {},
        done=done,
        **context,
    )
