"""Operations endpoints: camera reads and their review, a trip's timeline, inspections and fee,
the crossing log and the audit log."""

import uuid
from datetime import date, tzinfo
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response

from smartgate.api.deps import CurrentActor, SettingsDep, UoW, require
from smartgate.api.errors import ERRORS
from smartgate.api.exports import spreadsheet
from smartgate.operations import gate_events, services, yards
from smartgate.operations.schemas import (
    AuditRead,
    CrossingRead,
    FeeRead,
    FeeReport,
    FeeReportRow,
    GateEventBatchIn,
    GateEventBatchRead,
    GateEventIn,
    GateEventRead,
    GateEventRecorded,
    HandoverIn,
    HandoverRead,
    InspectionIn,
    InspectionRead,
    ReviewIn,
    StepRead,
    TariffRead,
    YardBoard,
    YardMoveIn,
    YardVisitRead,
)
from smartgate.registry.model import Direction
from smartgate.shared.actor import Actor
from smartgate.shared.clock import SIDE_TZ, local_day_start
from smartgate.shared.validation import RowId

router = APIRouter(prefix="/api/v1", tags=["operations"], responses=ERRORS)
Watcher = Annotated[Actor, require("operator", "camera")]
Official = Annotated[Actor, require("operator", "authority")]
GateId = Annotated[str, Query(min_length=1, max_length=40)]


@router.post("/gate-events", status_code=201, operation_id="record_gate_event")
def record_event(body: GateEventIn, actor: Watcher, uow: UoW, response: Response) -> GateEventRead:
    """A camera's plate read at a point of the gate (the gate's cameras and operators): 201 when
    new, 200 when the camera sent this event before. A sure read moves its trip on; an unsure
    one waits in the review list."""
    read, created = gate_events.record(uow=uow, actor=actor, data=body)
    if not created:
        response.status_code = 200
    return read


@router.post("/gate-events/batch", operation_id="record_gate_events")
def record_events(body: GateEventBatchIn, actor: Watcher, uow: UoW) -> GateEventBatchRead:
    """A camera's buffered reads (up to 500), taken in their order in one transaction as if
    sent one by one: for each, the read as stored and whether it is `new` (a repeat, sent
    before or twice in the batch, changes nothing). A lane or yard its gate does not have
    refuses the whole batch (422, naming each such field), and so does a read of another
    gate (403)."""
    recorded = gate_events.record_all(uow=uow, actor=actor, events=body.events)
    return GateEventBatchRead(events=[GateEventRecorded.of(read, new) for read, new in recorded])


@router.get("/gate-events/review", operation_id="gate_events_to_review")
def to_review(gate_id: GateId, actor: Official, uow: UoW) -> list[GateEventRead]:
    """The reads an operator must settle, with their candidates and scores, oldest first."""
    return gate_events.review_list(uow=uow, actor=actor, gate_id=gate_id)


@router.post("/gate-events/{event_id}/review", operation_id="settle_gate_event")
def settle(event_id: RowId, body: ReviewIn, actor: Official, uow: UoW) -> GateEventRead:
    """Say which trip a read is of (it then moves on), or dismiss it (declaration_id null)."""
    return gate_events.settle(uow=uow, actor=actor, event_id=event_id, data=body)


@router.get("/declarations/{declaration_id}/timeline", operation_id="declaration_timeline")
def timeline(declaration_id: uuid.UUID, actor: CurrentActor, uow: UoW) -> list[StepRead]:
    """Where the truck has been: each step, when, who moved it, where and why."""
    return services.timeline(uow=uow, actor=actor, declaration_id=declaration_id)


@router.post(
    "/declarations/{declaration_id}/inspections", status_code=201, operation_id="record_inspection"
)
def inspect(
    declaration_id: uuid.UUID, body: InspectionIn, actor: Official, uow: UoW
) -> InspectionRead:
    """An agency's pass, hold or fail (operators of the trip's gate in that agency)."""
    return services.inspect(uow=uow, actor=actor, declaration_id=declaration_id, data=body)


@router.post(
    "/declarations/{declaration_id}/handover", status_code=201, operation_id="record_handover"
)
def hand_over(
    declaration_id: uuid.UUID, body: HandoverIn, actor: Official, uow: UoW
) -> HandoverRead:
    """How a cleared truck's cargo crossed at the lane (operators of its gate): the delivery
    mode the lane offers, who drove each side, the shuttle id."""
    return services.hand_over(uow=uow, actor=actor, declaration_id=declaration_id, data=body)


@router.get("/declarations/{declaration_id}/fee", operation_id="declaration_fee")
def fee(declaration_id: uuid.UUID, actor: CurrentActor, uow: UoW) -> FeeRead:
    """What the trip pays at its gate, and how: weight band, goods, direction, delivery mode."""
    return services.trip_fee(uow=uow, actor=actor, declaration_id=declaration_id)


@router.get("/audit", operation_id="audit_log")
def audit(
    actor: Official,
    uow: UoW,
    gate_id: Annotated[str | None, Query(max_length=40)] = None,
    declaration_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AuditRead]:
    """Every change, oldest first: the authority's whole log, an operator's own gate's."""
    return services.audit_log(
        uow=uow,
        actor=actor,
        gate_id=gate_id,
        declaration_id=declaration_id,
        limit=limit,
        offset=offset,
    )


@router.get("/crossings", operation_id="crossings", response_model=list[CrossingRead])
def crossings(
    gate_id: GateId,
    actor: Official,
    uow: UoW,
    settings: SettingsDep,
    day: Annotated[date, Query(alias="date", description="local day at the gate")],
    direction: Direction | None = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> list[CrossingRead] | Response:
    """The trucks that crossed the zero line on a day: times at each point, dwell, fee; as
    JSON, CSV or an Excel sheet."""
    tz = SIDE_TZ[settings.side]
    found = services.crossings(
        uow=uow,
        actor=actor,
        gate_id=gate_id,
        day_start=local_day_start(day, tz),
        direction=direction,
    )
    if format == "json":
        return found
    rows = [crossing_row(c, tz) for c in found]
    return spreadsheet(rows, CROSSING_COLUMNS, format, f"crossings-{gate_id}-{day}")


@router.get("/fees/daily", operation_id="daily_fees", response_model=FeeReport)
def daily_fees(
    gate_id: GateId,
    actor: Official,
    uow: UoW,
    settings: SettingsDep,
    day: Annotated[date, Query(alias="date", description="local day at the gate")],
    direction: Direction | None = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> FeeReport | Response:
    """What the trucks that crossed on a day paid: each trip's fee and how it was made, the
    total and the total by direction; as JSON, CSV or an Excel sheet."""
    tz = SIDE_TZ[settings.side]
    report = services.fee_report(
        uow=uow,
        actor=actor,
        gate_id=gate_id,
        day_start=local_day_start(day, tz),
        direction=direction,
    )
    if format == "json":
        return report
    rows = [fee_row(row, tz) for row in report.rows]
    return spreadsheet(rows, FEE_COLUMNS, format, f"fees-{gate_id}-{day}")


FEE_COLUMNS = (
    "exited", "plate", "direction", "delivery_mode", "vehicle_kg", "weight_band", "goods",
    "goods_factor", "direction_factor", "delivery_mode_factor", "amount", "declaration_id",
)  # fmt: skip


def fee_row(row: FeeReportRow, tz: tzinfo) -> dict[str, object]:
    """One trip's fee as a spreadsheet row, its time on the gate's clock."""
    return {
        "exited": row.exited_at.astimezone(tz).strftime("%H:%M:%S"),
        "plate": row.plate,
        "direction": row.direction,
        "delivery_mode": row.delivery_mode,
        "vehicle_kg": round(row.vehicle_kg),
        "weight_band": row.weight_band,
        "goods": row.goods,
        **{f"{item}_factor": row.factors.get(item, "") for item in FACTOR_ITEMS},
        "amount": row.amount,
        "declaration_id": str(row.declaration_id),
    }


FACTOR_ITEMS = ("goods", "direction", "delivery_mode")


@router.get("/gates/{gate_id}/tariff", operation_id="gate_tariff")
def gate_tariff(gate_id: str, actor: CurrentActor, uow: UoW) -> TariffRead:
    """The fee table a gate charges by, and whether its authority changed it in the app."""
    return services.gate_tariff(uow=uow, gate_id=gate_id)


@router.put("/gates/{gate_id}/tariff", operation_id="set_gate_tariff")
def set_gate_tariff(
    gate_id: str,
    actor: Official,
    uow: UoW,
    tables: Annotated[dict[str, Any], Body(description="the tables of a tariff document")],
) -> TariffRead:
    """The authority sets a gate's tariff: the keys given (currency, round_to, bands, goods,
    directions, delivery_modes) replace the shipped default's; each fault names its key."""
    return services.set_tariff(uow=uow, actor=actor, gate_id=gate_id, sections=tables)


@router.delete("/gates/{gate_id}/tariff", operation_id="reset_gate_tariff")
def reset_gate_tariff(gate_id: str, actor: Official, uow: UoW) -> TariffRead:
    """The authority goes back to the shipped tariff for a gate."""
    return services.set_tariff(uow=uow, actor=actor, gate_id=gate_id, sections=None)


CROSSING_COLUMNS = (
    "plate", "trailer_plate", "direction", "delivery_mode", "called", "at_gate", "in_yard",
    "cleared", "exited", "dwell_minutes", "fee_vnd", "declaration_id",
)  # fmt: skip


def crossing_row(crossing: CrossingRead, tz: tzinfo) -> dict[str, object]:
    """One crossing as a spreadsheet row, times on the gate's clock."""
    times = {step: at.astimezone(tz).strftime("%H:%M:%S") for step, at in crossing.times.items()}
    return {
        "plate": crossing.plate,
        "trailer_plate": crossing.trailer_plate or "",
        "direction": crossing.direction,
        "delivery_mode": crossing.delivery_mode,
        **{step: times.get(step, "") for step in ("called", "at_gate", "in_yard", "cleared")},
        "exited": crossing.exited_at.astimezone(tz).strftime("%H:%M:%S"),
        "dwell_minutes": crossing.dwell_minutes if crossing.dwell_minutes is not None else "",
        "fee_vnd": crossing.fee if crossing.fee is not None else "",
        "declaration_id": str(crossing.declaration_id),
    }


@router.get("/gates/{gate_id}/yards", operation_id="yard_board")
def yard_board(gate_id: str, actor: Official, uow: UoW, settings: SettingsDep) -> YardBoard:
    """Each yard of the gate: trucks present against capacity (`warning` from 90 %, `full` at
    100 %), how long each has been there, and the day's mean dwell."""
    return yards.yard_board(uow=uow, actor=actor, gate_id=gate_id, tz=SIDE_TZ[settings.side])


@router.post(
    "/gates/{gate_id}/yards/{yard_code}/moves", status_code=201, operation_id="move_in_yard"
)
def move_in_yard(
    gate_id: str, yard_code: str, body: YardMoveIn, actor: Official, uow: UoW
) -> YardVisitRead:
    """An operator of the gate records a truck entering (`in`) or leaving (`out`) a yard that
    no camera saw; the trip moves as a camera read would move it."""
    return yards.move_by_hand(uow=uow, actor=actor, gate_id=gate_id, yard_code=yard_code, data=body)
