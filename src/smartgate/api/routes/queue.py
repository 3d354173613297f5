"""Slots, bookings and the waiting area; each endpoint says who may call it."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from smartgate.api.deps import CurrentActor, SettingsDep, UoW
from smartgate.api.errors import ERRORS
from smartgate.queue import services, waiting_area
from smartgate.queue.schemas import (
    ArrivalIn,
    BookingCreate,
    BookingMove,
    BookingRead,
    CallNextIn,
    CancellationStats,
    NoticeRead,
    QueueBoard,
    QueueEntryRead,
    SlotDay,
    WaitTime,
)
from smartgate.registry.model import Direction

router = APIRouter(prefix="/api/v1", tags=["queue"])
SIGNED_IN = {401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]}
BOOKING_ERRORS = {**SIGNED_IN, 409: ERRORS[409], 422: ERRORS[422], 429: ERRORS[429]}


@router.get("/gates/{gate_id}/slots", operation_id="list_slots", responses={404: ERRORS[404]})
def list_slots(
    gate_id: str,
    uow: UoW,
    settings: SettingsDep,
    date: Annotated[date, Query(description="local date at this instance's side")],
    direction: Direction = "export",
) -> SlotDay:
    """Public: each hour with capacity, its booking quota, places booked and remaining."""
    return services.slots(
        uow=uow, gate_id=gate_id, direction=direction, day=date, side=settings.side
    )


@router.post(
    "/bookings",
    status_code=201,
    response_model=BookingRead,
    operation_id="create_booking",
    responses=BOOKING_ERRORS,
)
def create_booking(data: BookingCreate, uow: UoW, actor: CurrentActor) -> Response:
    """Driver or forwarder: book an hour for a declared trip (409 when full or already booked)."""
    # The busiest write of all: the service's answer is already a validated BookingRead, so
    # it goes out as JSON without FastAPI validating it a second time.
    booked = services.book(uow=uow, actor=actor, data=data)
    return Response(booked.model_dump_json(), status_code=201, media_type="application/json")


@router.get("/bookings", operation_id="list_bookings", responses={401: ERRORS[401]})
def list_bookings(uow: UoW, actor: CurrentActor) -> list[BookingRead]:
    """Your bookings (drivers: own; forwarders: company; operators: gate), latest first."""
    return services.my_bookings(uow=uow, actor=actor)


@router.get("/bookings/{booking_id}", operation_id="get_booking", responses=SIGNED_IN)
def get_booking(booking_id: uuid.UUID, uow: UoW, actor: CurrentActor) -> BookingRead:
    """One booking you may see."""
    return services.get_booking(uow=uow, actor=actor, booking_id=booking_id)


@router.patch("/bookings/{booking_id}", operation_id="move_booking", responses=BOOKING_ERRORS)
def move_booking(
    booking_id: uuid.UUID, data: BookingMove, uow: UoW, actor: CurrentActor
) -> BookingRead:
    """Driver or forwarder: move a booking to another hour (limited number of times)."""
    return services.move(uow=uow, actor=actor, booking_id=booking_id, data=data)


@router.delete("/bookings/{booking_id}", operation_id="cancel_booking", responses=BOOKING_ERRORS)
def cancel_booking(booking_id: uuid.UUID, uow: UoW, actor: CurrentActor) -> BookingRead:
    """Driver or forwarder: give the slot back."""
    return services.cancel(uow=uow, actor=actor, booking_id=booking_id)


@router.get(
    "/gates/{gate_id}/cancellations",
    operation_id="cancellation_stats",
    responses={**SIGNED_IN, 422: ERRORS[422]},
)
def cancellation_stats(
    gate_id: str, uow: UoW, actor: CurrentActor, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> CancellationStats:
    """Authority or the gate's operator: cancellations per company and vehicle (hoarding)."""
    return services.cancellation_stats(uow=uow, actor=actor, gate_id=gate_id, days=days)


@router.get(
    "/queue/{gate_id}", operation_id="queue_board", responses={**SIGNED_IN, 422: ERRORS[422]}
)
def queue_board(
    gate_id: str,
    uow: UoW,
    actor: CurrentActor,
    direction: Direction = "export",
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> QueueBoard:
    """Operator of the gate or authority: counts, pace, next trucks with position and ETA."""
    return waiting_area.board(
        uow=uow, actor=actor, gate_id=gate_id, direction=direction, limit=limit
    )


@router.post(
    "/queue/{gate_id}/arrivals",
    status_code=201,
    operation_id="check_in",
    responses={**SIGNED_IN, 409: ERRORS[409], 422: ERRORS[422]},
)
def check_in(gate_id: str, data: ArrivalIn, uow: UoW, actor: CurrentActor) -> QueueEntryRead:
    """Operator: a truck reached the waiting area (scan its pass or give its declaration)."""
    return waiting_area.check_in(uow=uow, actor=actor, gate_id=gate_id, data=data)


@router.post(
    "/queue/{gate_id}/call-next",
    operation_id="call_next",
    responses={**SIGNED_IN, 409: ERRORS[409], 422: ERRORS[422]},
)
def call_next(
    gate_id: str, data: CallNextIn, uow: UoW, actor: CurrentActor
) -> list[QueueEntryRead]:
    """Operator: call the next trucks (priority, then booked hours due, then live queue)."""
    return waiting_area.call_next(uow=uow, actor=actor, gate_id=gate_id, data=data)


@router.post(
    "/queue/{gate_id}/entries/{entry_id}/crossed",
    operation_id="mark_crossed",
    responses={**SIGNED_IN, 409: ERRORS[409]},
)
def mark_crossed(
    gate_id: str, entry_id: uuid.UUID, uow: UoW, actor: CurrentActor
) -> QueueEntryRead:
    """Operator: the called truck passed the gate."""
    return waiting_area.mark_crossed(uow=uow, actor=actor, gate_id=gate_id, entry_id=entry_id)


@router.post(
    "/queue/{gate_id}/entries/{entry_id}/left",
    operation_id="mark_left",
    responses={**SIGNED_IN, 409: ERRORS[409]},
)
def mark_left(gate_id: str, entry_id: uuid.UUID, uow: UoW, actor: CurrentActor) -> QueueEntryRead:
    """Operator: the truck left the waiting area without crossing."""
    return waiting_area.mark_left(uow=uow, actor=actor, gate_id=gate_id, entry_id=entry_id)


@router.get("/queue-entries/{entry_id}", operation_id="queue_position", responses=SIGNED_IN)
def queue_position(entry_id: uuid.UUID, uow: UoW, actor: CurrentActor) -> QueueEntryRead:
    """A truck you may see: its position and ETA."""
    return waiting_area.position(uow=uow, actor=actor, entry_id=entry_id)


@router.get("/me/queue", operation_id="my_queue", responses={401: ERRORS[401]})
def my_queue(uow: UoW, actor: CurrentActor) -> list[QueueEntryRead]:
    """Your trucks in any waiting area, with position and ETA."""
    return waiting_area.my_trucks(uow=uow, actor=actor)


@router.get("/me/notices", operation_id="my_notices", responses={401: ERRORS[401]})
def my_notices(uow: UoW, actor: CurrentActor) -> list[NoticeRead]:
    """Messages about your trucks: called, moved, held, released, no-show."""
    return waiting_area.notices(uow=uow, actor=actor)


@router.get("/public/wait-times", operation_id="wait_times", tags=["public"])
def wait_times(uow: UoW, response: Response) -> list[WaitTime]:
    """Public, like the US CBP feed: per gate and direction, delay, trucks waiting, lanes."""
    response.headers["Cache-Control"] = "public, max-age=30"
    return waiting_area.wait_times(uow=uow)


@router.get(
    "/public/called/{gate_id}",
    operation_id="called_trucks",
    tags=["public"],
    responses={404: ERRORS[404]},
)
def called_trucks(gate_id: str, uow: UoW) -> list[QueueEntryRead]:
    """Public: trucks called to the border and not yet through, for the waiting area's board."""
    return waiting_area.called_display(uow=uow, gate_id=gate_id)
