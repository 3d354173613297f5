"""The trip page and the changes a driver or forwarder makes there: a goods line or a container
corrected, added or removed, the delivery mode chosen, the trip cancelled. Thin over the
declaration amendments the API uses; each form answers with the trip again, saying what was
done or why not by the form's fields, and what may still change and why not otherwise."""

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from smartgate.api.deps import OptionalActor, UoW
from smartgate.declarations import amendments
from smartgate.declarations import services as declarations
from smartgate.declarations.model import CURRENCIES, DECLARING_ROLES
from smartgate.declarations.schemas import (
    ContainerIn,
    DeclarationRead,
    DeclarationUpdate,
    GoodsLineIn,
    GoodsLineUpdate,
)
from smartgate.operations import desk
from smartgate.operations import services as operations
from smartgate.policy import services as policy
from smartgate.registry import services as registry
from smartgate.shared.actor import Actor
from smartgate.shared.lifecycle import AMENDABLE, FINISHED
from smartgate.shared.terms import CONTACTLESS_MODES, DELIVERY_MODES, FLAGS
from smartgate.shared.wording import Wording
from smartgate.web import i18n
from smartgate.web.history_view import history_lines
from smartgate.web.operations_routes import FEE_DUE
from smartgate.web.pages import (
    attempt_status,
    gate_names,
    local_clock,
    parsed_uuid,
    render,
    shown,
    side_tz,
    sign_in_first,
    wanted_block,
)
from smartgate.web.queue_forms import fields

router = APIRouter(include_in_schema=False)
GOODS_TEXT = ("hs_code", "description", "gross_kg", "value", "currency")
# Why a trip's declaration no longer changes, by where the trip is.
WHY_FIXED = {
    "called": Wording("The truck has been called to the border."),
    "at_gate": Wording("The truck is at the gate."),
    "in_yard": Wording("The truck is in the gate's yard."),
    "inspection": Wording("The truck is being inspected."),
    "held": Wording("The truck is held at the gate."),
    "cleared": Wording("The trip is cleared."),
    "handed_over": Wording("The load was handed over at the line."),
    "exited": Wording("The truck has crossed the border."),
    "cancelled": Wording("This trip is cancelled."),
    "rejected": Wording("This trip was refused at the gate."),
    "expired": Wording("This trip expired."),
}
# What each form reports when it went through.
DONE = {
    "goods": Wording("Goods line {line} saved."),
    "goods-removed": Wording("Goods line {line} removed."),
    "goods-added": Wording("Goods line added."),
    "container": Wording("Container {number} saved."),
    "container-removed": Wording("Container {number} removed."),
    "container-added": Wording("Container {number} added."),
    "delivery": Wording("Delivery mode saved."),
    "cancelled": Wording("Trip cancelled."),
}


def trip_view(
    request: Request,
    uow: UoW,
    actor: Actor,
    declaration_id: str,
    answer: dict[str, Any] | None = None,
) -> HTMLResponse:
    """One trip: where it is now, its way so far (the timeline) and the agencies' decisions,
    its goods, its fee once due, the changes to its declaration in words, and what may still
    change (with the forms) or why not."""
    trip_id = parsed_uuid(declaration_id, "declaration_id")
    found = declarations.get(uow=uow, actor=actor, declaration_id=trip_id)
    lang = i18n.language(request)
    translate = i18n.translator(lang)
    history = declarations.history(uow=uow, actor=actor, declaration_id=trip_id)
    answer = answer or {}
    return render(
        request,
        "trip.html",
        actor,
        block=wanted_block(request, "trip") if answer else None,
        d=found,
        history=history_lines(history, found, lang, translate, local_clock(side_tz(request))),
        steps=operations.timeline(uow=uow, actor=actor, declaration_id=trip_id),
        inspections=desk.decisions(uow=uow, actor=actor, declaration_id=trip_id),
        fee=(
            operations.trip_fee(uow=uow, actor=actor, declaration_id=trip_id)
            if found.status in FEE_DUE
            else None
        ),
        gate_names=gate_names(uow, lang),
        **_changes(uow, actor, found, translate),
        posted=answer.get("posted"),
        errors=answer.get("errors") or {},
        done=done.worded(translate) if (done := answer.get("done")) else None,
        form=answer.get("form") or {},
    )


def _changes(
    uow: UoW, actor: Actor, trip: DeclarationRead, translate: Callable[[str], str]
) -> dict[str, Any]:
    # What the page offers to change, and why not when nothing may.
    declarer = actor.role in DECLARING_ROLES
    why = WHY_FIXED.get(trip.status)
    green_zone = policy.gate_rules(uow=uow, gate_id=trip.gate_id).green_zone
    return {
        "may_change": declarer and trip.status in AMENDABLE,
        "why_fixed": why.worded(translate) if declarer and why else None,
        "finished": trip.status in FINISHED,
        "delivery_modes": DELIVERY_MODES,
        "green_zone": green_zone,
        "mode_refused": green_zone and trip.delivery_mode not in CONTACTLESS_MODES,
        "currencies": sorted(CURRENCIES),
    }


def _answer(
    request: Request,
    uow: UoW,
    actor: Actor | None,
    declaration_id: str,
    posted: str,
    call: Callable[[uuid.UUID], Any],
    done: Wording,
    form: dict[str, Any] | None = None,
) -> Response:
    """Run one change and show the trip again: what was done, or why not by the form's fields,
    under the status the API answers."""
    if actor is None:
        return sign_in_first(request)

    def change() -> Any:
        return call(parsed_uuid(declaration_id, "declaration_id"))

    made, errors, status = attempt_status(change)
    answer = {
        "posted": posted,
        "errors": errors,
        "done": done if made is not None else None,
        "form": form if errors else {},
    }
    page = shown(request, actor, lambda: trip_view(request, uow, actor, declaration_id, answer))
    if page.status_code == 200:
        page.status_code = status
    return page


def _goods_data(form: dict[str, Any]) -> dict[str, Any]:
    # Every field of the line as the form shows it; unticked boxes are not sent at all.
    return {name: form.get(name, "") for name in GOODS_TEXT} | {f: f in form for f in FLAGS}


@router.post("/trips/{declaration_id}/goods/{line_no}")
async def amend_goods_line(
    declaration_id: str, line_no: int, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """Correct one goods line; the other lines stay."""
    form = fields(await request.form())
    return _answer(
        request, uow, actor, declaration_id, f"goods-{line_no}",
        lambda trip_id: amendments.amend_goods_line(
            uow=uow, actor=actor, declaration_id=trip_id, line_no=line_no,  # type: ignore[arg-type]
            changes=GoodsLineUpdate.model_validate(_goods_data(form)),
        ),
        Wording(DONE["goods"].text, line=line_no), form,
    )  # fmt: skip


@router.post("/trips/{declaration_id}/goods/{line_no}/remove")
def remove_goods_line(
    declaration_id: str, line_no: int, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """Take one goods line off the declaration (not the last one)."""
    return _answer(
        request, uow, actor, declaration_id, f"goods-{line_no}",
        lambda trip_id: amendments.remove_goods_line(
            uow=uow, actor=actor, declaration_id=trip_id, line_no=line_no,  # type: ignore[arg-type]
        ),
        Wording(DONE["goods-removed"].text, line=line_no),
    )  # fmt: skip


@router.post("/trips/{declaration_id}/goods")
async def add_goods_line(
    declaration_id: str, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """Add a goods line with the next free number."""
    form = fields(await request.form())
    return _answer(
        request, uow, actor, declaration_id, "goods-new",
        lambda trip_id: amendments.add_goods_line(
            uow=uow, actor=actor, declaration_id=trip_id,  # type: ignore[arg-type]
            line=GoodsLineIn.model_validate(_goods_data(form)),
        ),
        DONE["goods-added"], form,
    )  # fmt: skip


@router.post("/trips/{declaration_id}/containers")
async def add_container(
    declaration_id: str, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """Add a container to the truck."""
    form = fields(await request.form())
    number = form.get("number", "")
    return _answer(
        request, uow, actor, declaration_id, "container-new",
        lambda trip_id: amendments.add_container(
            uow=uow, actor=actor, declaration_id=trip_id,  # type: ignore[arg-type]
            new=ContainerIn.model_validate({"number": number}),
        ),
        Wording(DONE["container-added"].text, number=number.upper()), form,
    )  # fmt: skip


@router.post("/trips/{declaration_id}/containers/{number}")
async def replace_container(
    declaration_id: str, number: str, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """Correct one container number, keeping its place."""
    form = fields(await request.form())
    new = form.get("number", "")
    return _answer(
        request, uow, actor, declaration_id, f"container-{number}",
        lambda trip_id: amendments.replace_container(
            uow=uow, actor=actor, declaration_id=trip_id, number=number,  # type: ignore[arg-type]
            new=ContainerIn.model_validate({"number": new}),
        ),
        Wording(DONE["container"].text, number=new.upper()), form,
    )  # fmt: skip


@router.post("/trips/{declaration_id}/containers/{number}/remove")
def remove_container(
    declaration_id: str, number: str, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """Take a container off the declaration."""
    return _answer(
        request, uow, actor, declaration_id, f"container-{number}",
        lambda trip_id: amendments.remove_container(
            uow=uow, actor=actor, declaration_id=trip_id, number=number,  # type: ignore[arg-type]
        ),
        Wording(DONE["container-removed"].text, number=number),
    )  # fmt: skip


@router.post("/trips/{declaration_id}/delivery-mode")
async def choose_delivery_mode(
    declaration_id: str, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """How the load crosses: driven over, or handed over at the line (green-zone gates take
    only the contactless modes)."""
    form = fields(await request.form())
    data = {"delivery_mode": form.get("delivery_mode", "")}
    return _answer(
        request, uow, actor, declaration_id, "delivery",
        lambda trip_id: amendments.amend_trip(
            uow=uow, actor=actor, declaration_id=trip_id,  # type: ignore[arg-type]
            changes=DeclarationUpdate.model_validate(data),
        ),
        DONE["delivery"], form,
    )  # fmt: skip


@router.post("/trips/{declaration_id}/cancel")
def cancel_trip(declaration_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """Cancel the trip: its booked hour and place in line are given back."""
    return _answer(
        request, uow, actor, declaration_id, "cancel",
        lambda trip_id: amendments.cancel(
            uow=uow, actor=actor, declaration_id=trip_id,  # type: ignore[arg-type]
        ),
        DONE["cancelled"],
    )  # fmt: skip


HS_SUGGESTIONS = 12  # a datalist longer than this is scrolled, not read


@router.get("/hs-codes")
def hs_suggestions(request: Request, actor: OptionalActor, q: str = "") -> HTMLResponse:
    """Subheadings of the HS nomenclature matching what is typed in an HS code box (a code's
    first digits, or words in any of the three languages), as a datalist's options (HTMX)."""
    # The box sends itself under its own name (`goods.0.hs_code` on the declaration form).
    typed = q or next((v for k, v in request.query_params.items() if k.endswith("hs_code")), "")
    found = [e for e in registry.search_hs(typed[:60], limit=200).items]
    subheadings = [e for e in found if e.level == 6][:HS_SUGGESTIONS]
    return render(request, "hs_options.html", actor, suggestions=subheadings)
