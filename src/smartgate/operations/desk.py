"""The inspection desk, read side: the trucks at a gate that wait for one agency's decision
(with what the other agencies decided on the same trip), a trip's decisions so far, and the
trip an operator names when settling a camera read."""

import uuid
from datetime import datetime

from pydantic import BaseModel

from smartgate.declarations.plates import plate_key
from smartgate.declarations.repository import DeclarationFilter
from smartgate.declarations.tables import DeclarationRow
from smartgate.operations import model, services
from smartgate.operations.matching import skeleton
from smartgate.operations.schemas import InspectionRead
from smartgate.operations.tables import InspectionRow
from smartgate.shared.actor import AGENCIES, Actor
from smartgate.shared.errors import FieldError, Forbidden, NotFound, ValidationFailed
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

# Where a truck waits for the agencies: through the gate and not yet cleared. A held truck
# belongs at the desk only when it was held there, not in the waiting area.
AT_THE_DESK = ("at_gate", "in_yard", "inspection", "held")
HELD_AT_THE_GATE = frozenset({"at_gate", "in_yard", "inspection", "cleared"})
DESK_SIZE = 500  # per state: more trucks than any yard holds


class DeskGoods(BaseModel):
    """A goods line as an officer reads it."""

    hs_code: str
    description: str
    gross_kg: float


class DeskTruck(BaseModel):
    """A truck waiting for an agency, with every agency's latest decision on its trip."""

    declaration_id: uuid.UUID
    plate: str
    trailer_plate: str | None
    direction: str
    delivery_mode: str
    status: str
    held_reason: str | None
    arrived_at: datetime  # through the gate: the longest waiting comes first
    containers: list[str]
    goods: list[DeskGoods]
    required: list[str]  # the agencies this trip must pass
    decisions: dict[str, InspectionRead]  # agency -> its latest decision


class TripDecisions(BaseModel):
    """The agencies a trip must pass and what each decided last."""

    required: list[str]
    decisions: dict[str, InspectionRead]


def waiting_for(*, uow: UnitOfWork, actor: Actor, gate_id: str, agency: str) -> list[DeskTruck]:
    """The trucks at a gate whose goods need `agency` and whose latest decision from it is
    not a pass, the longest at the gate first: for its officers, and the authority to look."""
    check_agency(agency)
    if not (actor.serves(gate_id, agency) or actor.role == "authority"):
        raise Forbidden(
            Wording(
                "only an operator of {gate} in {agency} works at its desk",
                gate=gate_id,
                agency=Wording(agency),
            )
        )
    with uow.reading():
        rows = _at_the_desk(uow, actor, gate_id)
        ids = [row.id for row in rows]
        arrived = _arrivals(uow, ids)
        decided = uow.operations.inspections_of_trips(ids)
        trucks = []
        for row in rows:
            required = services.inspection_plan_of(uow, row).required
            if agency not in required:
                continue
            latest = _latest(decided.get(row.id, []))
            if agency in latest and latest[agency].outcome == "pass":
                continue
            trucks.append(_truck(row, required, latest, arrived.get(row.id, row.updated_at)))
        return sorted(trucks, key=lambda truck: (truck.arrived_at, truck.plate))


def decisions(*, uow: UnitOfWork, actor: Actor, declaration_id: uuid.UUID) -> TripDecisions:
    """What the agencies a trip the actor may see must pass have decided on it so far."""
    with uow.reading():
        row = uow.declarations.get_visible(declaration_id, actor)
        if row is None:
            raise NotFound(
                Wording(
                    "declaration {declaration_id} does not exist", declaration_id=declaration_id
                )
            )
        required = services.inspection_plan_of(uow, row).required
        latest = _latest(uow.operations.inspections_of(row.id))
        return TripDecisions(required=list(required), decisions=latest)


def named_trip(*, uow: UnitOfWork, actor: Actor, gate_id: str, text: str) -> uuid.UUID:
    """The trip an operator typed: its declaration id, or the plate of the one trip on its
    way at the gate with that plate; a refusal names the field `trip`."""
    text = text.strip()
    if not text:
        raise _typed(Wording("is required"))
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    if not actor.oversees(gate_id):
        raise Forbidden(
            Wording(
                "only the authority and operators of {gate_id} look up its trips", gate_id=gate_id
            )
        )
    key = plate_key(text)
    with uow.reading():
        found = uow.declarations.expected_at_gate(gate_id, model.ON_THE_WAY, [skeleton(text)])
    matching = [trip.id for trip in found if plate_key(trip.plate) == key]
    if not matching:
        raise _typed(Wording("no trip on its way at {gate} has plate {plate}", gate=gate_id,
                             plate=text))  # fmt: skip
    if len(matching) > 1:
        raise _typed(Wording("{plate} has several trips on their way; type the declaration id",
                             plate=text))  # fmt: skip
    return matching[0]


def check_agency(agency: str) -> None:
    """Refuse an agency that does not inspect at the gates, naming the field."""
    if agency not in AGENCIES:
        raise ValidationFailed(
            [FieldError("agency", Wording("must be one of {choices}", choices=", ".join(AGENCIES)))]
        )


def _typed(why: Wording) -> ValidationFailed:
    return ValidationFailed([FieldError("trip", why)])


def _at_the_desk(uow: UnitOfWork, actor: Actor, gate_id: str) -> list[DeclarationRow]:
    # The actor's own scope: an operator's gate, the authority's every gate.
    rows = []
    for status in AT_THE_DESK:
        found, _ = uow.declarations.page(
            actor,
            filters=DeclarationFilter(gate_id=gate_id, status=status),
            limit=DESK_SIZE,
            offset=0,
        )
        rows += [row for row in found if status != "held" or row.held_from in HELD_AT_THE_GATE]
    return rows


def _arrivals(uow: UnitOfWork, declaration_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    # When each truck first came through the gate (a hold lifted there is a later at_gate step).
    arrived: dict[uuid.UUID, datetime] = {}
    for step in uow.operations.steps_of(declaration_ids):
        if step.action == "trip.at_gate" and step.declaration_id is not None:
            arrived.setdefault(step.declaration_id, step.at)
    return arrived


def _latest(decided: list[InspectionRow]) -> dict[str, InspectionRead]:
    # Oldest first, so each agency's last decision stays.
    return {row.agency: InspectionRead.model_validate(row) for row in decided}


def _truck(
    row: DeclarationRow,
    required: tuple[str, ...],
    latest: dict[str, InspectionRead],
    arrived_at: datetime,
) -> DeskTruck:
    return DeskTruck(
        declaration_id=row.id,
        plate=row.tractor_plate,
        trailer_plate=row.trailer_plate,
        direction=row.direction,
        delivery_mode=row.delivery_mode,
        status=row.status,
        held_reason=row.status_reason if row.status == "held" else None,
        arrived_at=arrived_at,
        containers=[c.number for c in row.containers],
        goods=[
            DeskGoods(hs_code=g.hs_code, description=g.description, gross_kg=g.gross_kg)
            for g in row.goods
        ],  # fmt: skip
        required=list(required),
        decisions=latest,
    )
