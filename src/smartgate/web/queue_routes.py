"""Pages for crossing slots, booking passes, the waiting area and its boards. Thin over the
queue services; every form is HTMX and shows a refusal where it was made."""

import uuid
from datetime import date
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from smartgate.api.deps import OptionalActor, UoW
from smartgate.declarations import services as declarations
from smartgate.exchange import views as exchange_views
from smartgate.queue import model, services, waiting_area
from smartgate.queue.schemas import ArrivalIn, BookingCreate, BookingMove, BookingRead, CallNextIn
from smartgate.registry import services as registry
from smartgate.registry.model import Direction
from smartgate.registry.schemas import GateRead, LaneRead
from smartgate.shared.actor import Actor
from smartgate.shared.wording import Wording
from smartgate.web import i18n
from smartgate.web.exchange_view import cargo
from smartgate.web.pages import (
    attempt,
    gate_names,
    render,
    side_tz,
    sign_in_first,
    wanted_block,
)
from smartgate.web.queue_forms import arrival_data

router = APIRouter(include_in_schema=False)
LIVE_BOOKING = ("active", "held")
FINISH = {"crossed": waiting_area.mark_crossed, "left": waiting_area.mark_left}
QUEUE_CHANGED = {"HX-Trigger": "queue-changed"}  # the board reloads at once, not in 5 s


# --- booking a slot from the trip page ------------------------------------------------------


@router.get("/trips/{declaration_id}/booking")
def booking_section(
    declaration_id: uuid.UUID,
    request: Request,
    uow: UoW,
    actor: OptionalActor,
    day: str = "",
) -> Response:
    """The trip page's slot section (HTMX): the trip's booking and one day's slots."""
    if actor is None:
        return sign_in_first(request)
    return _booking_section(request, uow, actor, declaration_id, day)


@router.post("/trips/{declaration_id}/booking")
def book_slot(
    declaration_id: uuid.UUID,
    request: Request,
    uow: UoW,
    actor: OptionalActor,
    slot_start: Annotated[str, Form()],
    day: Annotated[str, Form()] = "",
) -> Response:
    """Book the chosen hour; a refusal (slot full, vehicle already booked) shows inline."""
    if actor is None:
        return sign_in_first(request)
    data = {"declaration_id": declaration_id, "slot_start": slot_start}
    _, errors = attempt(
        lambda: services.book(uow=uow, actor=actor, data=BookingCreate.model_validate(data))
    )
    return _booking_section(request, uow, actor, declaration_id, day, errors, "booked")


@router.post("/trips/{declaration_id}/booking/{booking_id}/move")
def move_booking(
    declaration_id: uuid.UUID,
    booking_id: uuid.UUID,
    request: Request,
    uow: UoW,
    actor: OptionalActor,
    slot_start: Annotated[str, Form()],
    day: Annotated[str, Form()] = "",
) -> Response:
    """Move the trip's booking to the chosen hour."""
    if actor is None:
        return sign_in_first(request)
    data = {"slot_start": slot_start}
    _, errors = attempt(
        lambda: services.move(
            uow=uow, actor=actor, booking_id=booking_id, data=BookingMove.model_validate(data)
        )
    )
    return _booking_section(request, uow, actor, declaration_id, day, errors, "moved")


@router.post("/trips/{declaration_id}/booking/{booking_id}/cancel")
def cancel_booking(
    declaration_id: uuid.UUID,
    booking_id: uuid.UUID,
    request: Request,
    uow: UoW,
    actor: OptionalActor,
) -> Response:
    """Give the trip's slot back."""
    if actor is None:
        return sign_in_first(request)
    _, errors = attempt(lambda: services.cancel(uow=uow, actor=actor, booking_id=booking_id))
    return _booking_section(request, uow, actor, declaration_id, "", errors, "cancelled")


def _booking_section(
    request: Request,
    uow: UoW,
    actor: Actor,
    declaration_id: uuid.UUID,
    day_text: str,
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    trip = declarations.get(uow=uow, actor=actor, declaration_id=declaration_id)
    booking = _live_booking(uow, actor, declaration_id)
    # The booked hour's day, else the day the truck is expected: where the driver will look.
    planned = booking.slot_start if booking else trip.expected_arrival
    day = _date(day_text) or planned.astimezone(side_tz(request)).date()
    side = request.app.state.settings.side
    found, refused = attempt(
        lambda: services.slots(
            uow=uow, gate_id=trip.gate_id, direction=trip.direction, day=day, side=side
        )
    )
    return render(
        request,
        "booking.html",
        actor,
        trip=trip,
        booking=booking,
        day=day,
        slots=found.slots if found else [],
        errors=errors or refused,
        done=None if errors else done,
        slot_length=model.SLOT,
    )


def _live_booking(uow: UoW, actor: Actor, declaration_id: uuid.UUID) -> BookingRead | None:
    # The services keep one live booking per vehicle; the trip page needs the one of this trip.
    mine = services.my_bookings(uow=uow, actor=actor)
    return next(
        (b for b in mine if b.declaration_id == declaration_id and b.status in LIVE_BOOKING),
        None,
    )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@router.get("/bookings/{booking_id}/pass")
def booking_pass(
    booking_id: uuid.UUID, request: Request, uow: UoW, actor: OptionalActor
) -> Response:
    """The booking pass to show at the waiting area: plate, gate, hour and a QR code."""
    if actor is None:
        return sign_in_first(request)
    booking = services.get_booking(uow=uow, actor=actor, booking_id=booking_id)
    return render(
        request,
        "booking_pass.html",
        actor,
        b=booking,
        gate=registry.get_gate(uow=uow, gate_id=booking.gate_id),
        qr=_qr_svg(booking.pass_code),
        slot_length=model.SLOT,
    )


def _qr_svg(text: str) -> Markup:
    # A full QR code, never a Micro QR: phone cameras and waiting-area scanners read it.
    # Without a fixed size the SVG scales to its box, on a phone as on paper.
    code = segno.make_qr(text, error="m")
    return Markup(code.svg_inline(scale=10, omitsize=True, light="#fff", title=text))


# --- the driver's status ----------------------------------------------------------------------


@router.get("/status")
def status_page(request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """The signed-in user's trucks in waiting areas, with position, ETA and notices."""
    if actor is None:
        return sign_in_first(request)
    return render(
        request,
        "status.html",
        actor,
        block=wanted_block(request, "live"),
        trucks=waiting_area.my_trucks(uow=uow, actor=actor),
        notices=waiting_area.notices(uow=uow, actor=actor),
        gate_names=gate_names(uow, i18n.language(request)),
    )


# --- the operator's board -------------------------------------------------------------------


@router.get("/queue/{gate_id}")
def board_page(
    gate_id: str,
    request: Request,
    uow: UoW,
    actor: OptionalActor,
    direction: Direction = "export",
) -> Response:
    """A gate's waiting area for one direction; the board part refreshes itself."""
    if actor is None:
        return sign_in_first(request)
    return _board(request, uow, actor, gate_id, direction, wanted_block(request, "board"))


@router.post("/queue/{gate_id}/entries/{entry_id}/{outcome}")
def finish_entry(
    gate_id: str,
    entry_id: uuid.UUID,
    outcome: Literal["crossed", "left"],
    request: Request,
    uow: UoW,
    actor: OptionalActor,
    direction: Annotated[Direction, Form()] = "export",
) -> Response:
    """A called truck crossed, or a waiting truck left the area; the board shows the result."""
    if actor is None:
        return sign_in_first(request)
    finish = FINISH[outcome]
    _, errors = attempt(lambda: finish(uow=uow, actor=actor, gate_id=gate_id, entry_id=entry_id))
    return _board(request, uow, actor, gate_id, direction, "board", errors)


def _board(
    request: Request,
    uow: UoW,
    actor: Actor,
    gate_id: str,
    direction: str,
    block: str | None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    gate = registry.get_gate(uow=uow, gate_id=gate_id)
    board = waiting_area.board(uow=uow, actor=actor, gate_id=gate_id, direction=direction)
    return render(
        request,
        "queue_board.html",
        actor,
        block=block,
        board=board,
        announced=exchange_views.awaited(uow=uow, actor=actor, gate_id=gate_id),
        cargo=cargo,
        gate=gate,
        gate_id=gate_id,
        direction=direction,
        lanes=_lanes(gate, direction),
        runs_gate=actor.runs(gate_id),
        errors=errors or {},
        form={},
    )


def _lanes(gate: GateRead, direction: str) -> list[LaneRead]:
    return [lane for lane in gate.lanes if lane.direction == direction]


@router.post("/queue/{gate_id}/check-in")
def check_in(
    gate_id: str,
    request: Request,
    uow: UoW,
    actor: OptionalActor,
    code: Annotated[str, Form()] = "",
) -> Response:
    """A truck reached the waiting area: scan its pass or type its declaration id."""
    if actor is None:
        return sign_in_first(request)
    entry, errors = attempt(
        lambda: waiting_area.check_in(
            uow=uow, actor=actor, gate_id=gate_id, data=ArrivalIn.model_validate(arrival_data(code))
        )
    )
    response = render(
        request,
        "queue_board.html",
        actor,
        block="check_in",
        gate_id=gate_id,
        entry=entry,
        errors=errors,
        form={"code": code} if errors else {},
    )
    response.headers.update(QUEUE_CHANGED)
    return response


@router.post("/queue/{gate_id}/call-next")
def call_next(
    gate_id: str,
    request: Request,
    uow: UoW,
    actor: OptionalActor,
    direction: Annotated[str, Form()] = "export",
    count: Annotated[str, Form()] = "1",
    lane: Annotated[str, Form()] = "",
) -> Response:
    """Call the next trucks to the border, to a lane if one is chosen."""
    if actor is None:
        return sign_in_first(request)
    data = {"direction": direction, "count": count, "lane": lane or None}
    called, errors = attempt(
        lambda: waiting_area.call_next(
            uow=uow, actor=actor, gate_id=gate_id, data=CallNextIn.model_validate(data)
        )
    )
    response = render(
        request,
        "queue_board.html",
        actor,
        block="call_next",
        gate_id=gate_id,
        direction=direction,
        lanes=_lanes(registry.get_gate(uow=uow, gate_id=gate_id), direction),
        called=called,
        errors=errors,
        no_capacity=any(_no_capacity(why) for why in errors.values()),
        form={"count": count, "lane": lane},
    )
    response.headers.update(QUEUE_CHANGED)
    return response


def _no_capacity(why: object) -> bool:
    # The refusal that needs the authority, not the operator: the board then says who acts.
    return isinstance(why, Wording) and why.text.startswith("no capacity declared")


# --- public pages -----------------------------------------------------------------------------


@router.get("/display/{gate_id}")
def call_display(gate_id: str, request: Request, uow: UoW) -> HTMLResponse:
    """The waiting area's big screen: called plates and their lanes, in Vietnamese and Chinese."""
    return render(
        request,
        "call_display.html",
        None,
        block=wanted_block(request, "called"),
        called=waiting_area.called_display(uow=uow, gate_id=gate_id),
        gate=registry.get_gate(uow=uow, gate_id=gate_id),
        bilingual=[i18n.translator("vi"), i18n.translator("zh")],
    )


@router.get("/wait-times")
def wait_times_page(request: Request, uow: UoW, actor: OptionalActor) -> HTMLResponse:
    """Public: expected wait, trucks waiting and lanes open per gate and direction."""
    return render(request, "wait_times.html", actor, times=waiting_area.wait_times(uow=uow))
