"""Pages for what happens at the gate: a trip's receipt, the agencies' inspection desk, the
operators' review of camera reads and their yard board. Thin over the operations services; a
refusal is a page in the reader's language with the status the API would answer."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from smartgate.api.deps import OptionalActor, UoW
from smartgate.declarations import services as declarations
from smartgate.operations import desk, gate_events, services, yards
from smartgate.operations.schemas import InspectionIn, ReviewIn, YardMoveIn
from smartgate.registry import services as registry
from smartgate.shared.actor import AGENCIES, Actor
from smartgate.shared.errors import FieldError, ValidationFailed
from smartgate.shared.wording import Wording
from smartgate.web.pages import (
    attempt_status,
    parsed_uuid,
    render,
    shown,
    side_tz,
    sign_in_first,
    wanted_block,
)
from smartgate.web.queue_forms import fields

router = APIRouter(include_in_schema=False)
# A trip owes its fee once the agencies cleared it; before, its receipt is an estimate.
FEE_DUE = frozenset({"cleared", "handed_over", "exited"})
# The note box takes what the service keeps, no more.
NOTE_LIMIT = next(
    (rule.max_length for rule in InspectionIn.model_fields["note"].metadata
     if hasattr(rule, "max_length")),
    500,
)  # fmt: skip


def _row_id(text: str, field: str) -> int:
    # ASCII digits only: int() also reads other scripts' digits, and refuses "²" with a 500.
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) < 2**31):
        raise ValidationFailed([FieldError(field, Wording("is not a valid id"))])
    return int(text)


# --- the receipt ------------------------------------------------------------------------------


@router.get("/trips/{declaration_id}/receipt")
def receipt_page(declaration_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """A printable receipt of a trip's fee: gate, plates, weight, the fee line by line and
    when the truck left (an estimate until the trip is cleared)."""
    if actor is None:
        return sign_in_first(request)

    def page() -> Response:
        trip_id = parsed_uuid(declaration_id, "declaration_id")
        trip = declarations.get(uow=uow, actor=actor, declaration_id=trip_id)
        steps = services.timeline(uow=uow, actor=actor, declaration_id=trip_id)
        return render(
            request,
            "receipt.html",
            actor,
            d=trip,
            fee=services.trip_fee(uow=uow, actor=actor, declaration_id=trip_id),
            gate=registry.get_gate(uow=uow, gate_id=trip.gate_id),
            exited_at=next((s.at for s in reversed(steps) if s.status == "exited"), None),
            due=trip.status in FEE_DUE,
        )

    return shown(request, actor, page)


# --- the inspection desk ----------------------------------------------------------------------


@router.get("/desk")
def desk_home(request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """An operator's own gate's desk; the authority's first gate's."""
    return _own_gate(request, uow, actor, "desk")


@router.get("/desk/{gate_id}")
def desk_page(
    gate_id: str, request: Request, uow: UoW, actor: OptionalActor, agency: str = ""
) -> Response:
    """The trucks at the gate waiting for one agency, oldest first, with the other agencies'
    decisions; its officers decide pass, hold or fail there."""
    if actor is None:
        return sign_in_first(request)
    chosen = agency or _first_agency(actor)
    return shown(request, actor, lambda: _desk(request, uow, actor, gate_id, chosen, None))


@router.post("/desk/{gate_id}/trips/{declaration_id}")
async def decide(
    gate_id: str, declaration_id: str, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """Record the agency's pass, hold or fail; the desk comes back with the result, or with
    the refusal by the field at fault."""
    if actor is None:
        return sign_in_first(request)
    form = fields(await request.form())
    agency = form.get("agency", "")
    data = {"agency": agency, "outcome": form.get("outcome", ""), "note": form.get("note", "")}

    def record() -> dict[str, Any]:
        trip_id = parsed_uuid(declaration_id, "declaration_id")
        made = services.inspect(
            uow=uow, actor=actor, declaration_id=trip_id, data=InspectionIn.model_validate(data)
        )
        trip = declarations.get(uow=uow, actor=actor, declaration_id=trip_id)
        return {"plate": trip.tractor_plate, "outcome": made.outcome, "status": trip.status}

    done, errors, status = attempt_status(record)
    answer = {"done": done, "errors": errors, "posted": declaration_id, "form": form}
    page = shown(request, actor, lambda: _desk(request, uow, actor, gate_id, agency, answer))
    if page.status_code == 200:
        page.status_code = status
    return page


def _first_agency(actor: Actor) -> str:
    # The agency an operator works for (the first of several); the authority starts at customs.
    return next((a for a in AGENCIES if a in actor.agencies), AGENCIES[0])


def _desk(
    request: Request,
    uow: UoW,
    actor: Actor,
    gate_id: str,
    agency: str,
    answer: dict[str, Any] | None,
) -> HTMLResponse:
    gate = registry.get_gate(uow=uow, gate_id=gate_id)
    trucks = desk.waiting_for(uow=uow, actor=actor, gate_id=gate_id, agency=agency)
    answer = answer or {}
    block = wanted_block(request, "desk")
    return render(
        request,
        "desk.html",
        actor,
        block=block,
        gate=gate,
        agency=agency,
        tabs=[a for a in AGENCIES if actor.role == "authority" or a in actor.agencies],
        gates=_other_gates(uow, actor, block),
        trucks=trucks,
        may_decide=actor.serves(gate_id, agency),
        note_limit=NOTE_LIMIT,
        done=answer.get("done"),
        errors=answer.get("errors") or {},
        posted=answer.get("posted"),
        form=answer.get("form") or {},
    )


def _own_gate(request: Request, uow: UoW, actor: Actor | None, page: str) -> Response:
    # A gate's staff land on their gate's page, the authority on the first gate's.
    if actor is None:
        return sign_in_first(request)
    gate_id = actor.gate_id or registry.list_gates(uow=uow)[0].id
    return RedirectResponse(f"/{page}/{gate_id}", status_code=303)


def _other_gates(uow: UoW, actor: Actor, block: str | None) -> list[Any]:
    # The authority looks at every gate's desk and reads; a gate's staff at their own.
    return registry.list_gates(uow=uow) if actor.role == "authority" and block is None else []


# --- the review of camera reads ---------------------------------------------------------------


@router.get("/review")
def review_home(request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """An operator's own gate's reads to review; the authority's first gate's."""
    return _own_gate(request, uow, actor, "review")


@router.get("/review/{gate_id}")
def review_page(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """The plate reads the cameras were unsure of, oldest first, with their candidate trips."""
    if actor is None:
        return sign_in_first(request)
    return shown(request, actor, lambda: _review(request, uow, actor, gate_id, None))


@router.post("/review/{gate_id}/reads/{event_id}")
async def settle(
    gate_id: str, event_id: str, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """Confirm which trip a read is of (a candidate, or a trip typed by id or plate), or
    dismiss it; the list comes back with the result."""
    if actor is None:
        return sign_in_first(request)
    form = fields(await request.form())

    def answer() -> dict[str, Any]:
        read_id = _row_id(event_id, "event_id")
        trip_id = None
        if form.get("action") != "dismiss":
            typed = form.get("declaration_id") or form.get("trip", "")
            trip_id = desk.named_trip(uow=uow, actor=actor, gate_id=gate_id, text=typed)
        settled = gate_events.settle(
            uow=uow, actor=actor, event_id=read_id, data=ReviewIn(declaration_id=trip_id)
        )
        return {"plate": settled.plate, "status": settled.status, "trip": settled.declaration_id}

    return _typed_trip_answer(
        request, actor, answer, lambda outcome: _review(request, uow, actor, gate_id, outcome),
        posted=event_id, form=form,
    )  # fmt: skip


def _typed_trip_answer(
    request: Request,
    actor: Actor,
    call: Callable[[], dict[str, Any]],
    page: Callable[[dict[str, Any]], HTMLResponse],
    **shown_with: Any,
) -> Response:
    # A form naming a trip the operator typed: the page again, with what was done or why not
    # (a refusal of the trip shown at the box it was typed in), under the API's status.
    done, errors, status = attempt_status(call)
    if "declaration_id" in errors:  # the service names the trip it could not take this way
        errors.setdefault("trip", errors.pop("declaration_id"))
    answer = {"done": done, "errors": errors, **shown_with}
    response = shown(request, actor, lambda: page(answer))
    if response.status_code == 200:
        response.status_code = status
    return response


def _review(
    request: Request, uow: UoW, actor: Actor, gate_id: str, answer: dict[str, Any] | None
) -> HTMLResponse:
    gate = registry.get_gate(uow=uow, gate_id=gate_id)
    reads = gate_events.review_list(uow=uow, actor=actor, gate_id=gate_id)
    answer = answer or {}
    return render(
        request,
        "review.html",
        actor,
        block=wanted_block(request, "review"),
        gate=gate,
        reads=reads,
        may_settle=actor.runs(gate_id),
        gates=_other_gates(uow, actor, wanted_block(request, "review")),
        done=answer.get("done"),
        errors=answer.get("errors") or {},
        posted=answer.get("posted"),
        form=answer.get("form") or {},
    )


# --- the yard board ---------------------------------------------------------------------------


@router.get("/yards")
def yards_home(request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """An operator's own gate's yards; the authority's first gate's."""
    return _own_gate(request, uow, actor, "yards")


@router.get("/yards/{gate_id}")
def yard_page(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """Each yard of the gate: how full it is against its capacity, who is in it and for how
    long; the board part refreshes itself."""
    if actor is None:
        return sign_in_first(request)
    return shown(request, actor, lambda: _yards(request, uow, actor, gate_id, None))


@router.post("/yards/{gate_id}/moves")
async def move_truck(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """A truck entered or left a yard that no camera saw (typed by declaration ID or plate);
    the board comes back with the result, or with the refusal by the field at fault."""
    if actor is None:
        return sign_in_first(request)
    form = fields(await request.form())

    def move() -> dict[str, Any]:
        trip_id = desk.named_trip(uow=uow, actor=actor, gate_id=gate_id, text=form.get("trip", ""))
        data = YardMoveIn.model_validate({"declaration_id": trip_id, "action": form.get("action")})
        visit = yards.move_by_hand(
            uow=uow, actor=actor, gate_id=gate_id, yard_code=form.get("yard", ""), data=data
        )
        return {"plate": visit.plate, "yard": visit.yard_code, "action": data.action}

    return _typed_trip_answer(
        request, actor, move, lambda outcome: _yards(request, uow, actor, gate_id, outcome),
        form=form,
    )  # fmt: skip


def _yards(
    request: Request, uow: UoW, actor: Actor, gate_id: str, answer: dict[str, Any] | None
) -> HTMLResponse:
    gate = registry.get_gate(uow=uow, gate_id=gate_id)
    board = yards.yard_board(uow=uow, actor=actor, gate_id=gate_id, tz=side_tz(request))
    answer = answer or {}
    block = wanted_block(request, "yards")
    return render(
        request,
        "yards.html",
        actor,
        block=block,
        gate=gate,
        board=board,
        may_move=actor.runs(gate_id),
        gates=_other_gates(uow, actor, block),
        done=answer.get("done"),
        errors=answer.get("errors") or {},
        form=answer.get("form") or {},
    )
