"""Declaration use-cases: declare, copy, bulk, amend one line or container, cancel, read."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from smartgate.declarations import model
from smartgate.declarations.repository import DeclarationFilter
from smartgate.declarations.schemas import (
    DeclarationCopy,
    DeclarationCreate,
    DeclarationPage,
    DeclarationRead,
    GoodsLineIn,
    GoodsLineRead,
    HistoryRead,
)
from smartgate.declarations.tables import DeclarationRow, HistoryRow
from smartgate.operations.matching import skeleton
from smartgate.registry.model import hs_permitted
from smartgate.registry.nomenclature import catalog
from smartgate.shared.actor import Actor
from smartgate.shared.clock import as_utc, utcnow
from smartgate.shared.errors import FieldError, NotFound, ValidationFailed
from smartgate.shared.validation import parse_or_fail
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

GOODS_FIELDS = tuple(GoodsLineIn.model_fields)


@dataclass
class GatePermits:
    """What a gate and direction allow, looked up once per use-case."""

    label: str
    prefixes: frozenset[str]

    def permits(self, hs_code: str) -> bool:
        """True when the gate takes these goods in this direction."""
        return hs_permitted(hs_code, self.prefixes)


def gate_permits(uow: UnitOfWork, gate_id: str, direction: str) -> GatePermits | None:
    found = uow.registry.gate_permits(gate_id, direction)
    if found is None:
        return None
    name, prefixes = found
    return GatePermits(f"{name} ({direction})", prefixes)


def _check_new(
    data: DeclarationCreate, rules: GatePermits | None, now: datetime
) -> list[FieldError]:
    errors = model.check_arrival(as_utc(data.expected_arrival), now)
    errors += model.check_containers(data.containers)
    if rules is None:
        return [
            FieldError("gate_id", Wording("gate {gate} does not exist", gate=repr(data.gate_id))),
            *errors,
        ]
    goods = [model.GoodsLine(g.hs_code, g.gross_kg) for g in data.goods]
    errors += model.check_goods(
        goods, hs_exists=catalog().is_subheading, permitted=rules.permits, gate=rules.label
    )
    return errors


@dataclass
class NewDeclaration:
    """The rows of a declaration about to be stored, as column values."""

    declaration: dict[str, Any]
    containers: list[dict[str, Any]]
    goods: list[dict[str, Any]]
    history: dict[str, Any]
    data: DeclarationCreate

    def read(self) -> DeclarationRead:
        """The API view of the stored declaration, without reading it back."""
        row = self.declaration
        return DeclarationRead(
            **{name: row[name] for name in READ_COLUMNS},
            containers=list(self.data.containers),
            goods=[
                GoodsLineRead(**{f: line[f] for f in GOODS_FIELDS}, line_no=line["line_no"])
                for line in self.goods
            ],
            owner=row["owner_name"],
        )


READ_COLUMNS = tuple(
    name for name in DeclarationRead.model_fields if name not in ("containers", "goods", "owner")
)


def _new_declaration(
    data: DeclarationCreate, actor: Actor, now: datetime, copied_from: uuid.UUID | None
) -> NewDeclaration:
    declaration_id = uuid.uuid4()
    arrival = as_utc(data.expected_arrival)
    declaration = {
        "id": declaration_id,
        "gate_id": data.gate_id,
        "direction": data.direction,
        "tractor_plate": data.tractor_plate,
        "plate_skeleton": skeleton(data.tractor_plate),
        "trailer_plate": data.trailer_plate,
        "driver_name": data.driver_name,
        "driver_phone": data.driver_phone,
        "delivery_mode": data.delivery_mode,
        "expected_arrival": arrival,
        "status": "declared",
        "owner_id": actor.user_id,
        "owner_name": actor.username,
        "company": actor.company,
        "copied_from": copied_from,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    containers = [
        {"declaration_id": declaration_id, "position": i, "number": number}
        for i, number in enumerate(data.containers)
    ]
    goods = [
        {"declaration_id": declaration_id, "line_no": i + 1, **line.model_dump()}
        for i, line in enumerate(data.goods)
    ]
    # The history starts with the whole declaration as created, in JSON-ready form.
    after = {**data.model_dump(), "expected_arrival": arrival.isoformat()}
    history = {
        "declaration_id": declaration_id,
        "seq": 1,
        "at": now,
        "actor": actor.username,
        "action": "created",
        "path": "",
        "before": None,
        "after": after,
    }
    return NewDeclaration(declaration, containers, goods, history, data)


def _checked_new(
    actor: Actor,
    data: DeclarationCreate,
    rules: GatePermits | None,
    now: datetime,
    copied_from: uuid.UUID | None = None,
) -> NewDeclaration:
    errors = _check_new(data, rules, now)
    if errors:
        raise ValidationFailed(errors)
    return _new_declaration(data, actor, now, copied_from)


def _store(uow: UnitOfWork, new: list[NewDeclaration]) -> None:
    uow.declarations.insert_new(
        declarations=[n.declaration for n in new],
        containers=[c for n in new for c in n.containers],
        goods=[g for n in new for g in n.goods],
        history=[n.history for n in new],
    )
    if new:
        uow.publish(model.TripsDeclared(tuple(n.declaration["id"] for n in new)))


def declare(
    *, uow: UnitOfWork, actor: Actor, data: DeclarationCreate, now: datetime | None = None
) -> DeclarationRead:
    """Store one declaration after every rule passes; 422 errors name each failing field."""
    model.ensure_may_declare(actor)
    now = now or utcnow()
    with uow:
        new = _checked_new(actor, data, gate_permits(uow, data.gate_id, data.direction), now)
        _store(uow, [new])
        uow.commit()
        return new.read()


@dataclass
class BulkOutcome:
    """Ids stored, and the faults of the declarations that were not (by their index)."""

    created: list[uuid.UUID]
    failed: dict[int, ValidationFailed]


def check_many(
    *,
    uow: UnitOfWork,
    actor: Actor,
    items: list[DeclarationCreate | None],
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> dict[int, list[FieldError]]:
    """Every rule's faults of each declaration (by index; None is skipped), storing nothing:
    the checking pass of a bulk import, so one run names them all."""
    model.ensure_may_declare(actor)
    now = now or utcnow()
    faults: dict[int, list[FieldError]] = {}
    with uow:
        rules: dict[tuple[str, str], GatePermits | None] = {}
        for index, data in enumerate(items):
            if data is not None:
                key = (data.gate_id, data.direction)
                if key not in rules:
                    rules[key] = gate_permits(uow, *key)
                found = _check_new(data, rules[key], now)
                if found:
                    faults[index] = found
            if progress:
                progress(index + 1)
    return faults


def declare_many(
    *,
    uow: UnitOfWork,
    actor: Actor,
    items: list[DeclarationCreate],
    partial: bool = False,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> BulkOutcome:
    """Declare many trucks in one transaction: all or nothing, or only the good ones if partial."""
    model.ensure_may_declare(actor)
    now = now or utcnow()
    outcome = BulkOutcome(created=[], failed={})
    with uow:
        rules: dict[tuple[str, str], GatePermits | None] = {}
        staged: list[NewDeclaration] = []
        for index, data in enumerate(items):
            key = (data.gate_id, data.direction)
            if key not in rules:
                rules[key] = gate_permits(uow, *key)
            try:
                staged.append(_checked_new(actor, data, rules[key], now))
            except ValidationFailed as failure:
                outcome.failed[index] = failure
            if progress:
                progress(index + 1)
        if outcome.failed and not partial:
            return outcome
        _store(uow, staged)
        uow.commit()
    outcome.created = [n.declaration["id"] for n in staged]
    return outcome


def copy(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    changes: DeclarationCopy,
    now: datetime | None = None,
) -> DeclarationRead:
    """A new declaration that starts as a copy of one the actor can see."""
    model.ensure_may_declare(actor)
    now = now or utcnow()
    with uow:
        source = _visible(uow, actor, declaration_id)
        # The earlier trip was checked by the rules of its day; a value today's rules refuse
        # is a 422 naming its field, as if the caller had typed it.
        data = parse_or_fail(
            DeclarationCreate, {**_as_create(source), **changes.model_dump(exclude_unset=True)}
        )
        rules = gate_permits(uow, data.gate_id, data.direction)
        new = _checked_new(actor, data, rules, now, copied_from=source.id)
        _store(uow, [new])
        uow.commit()
        return new.read()


def _as_create(row: DeclarationRow) -> dict[str, Any]:
    return {
        "gate_id": row.gate_id,
        "direction": row.direction,
        "tractor_plate": row.tractor_plate,
        "trailer_plate": row.trailer_plate,
        "driver_name": row.driver_name,
        "driver_phone": row.driver_phone,
        "delivery_mode": row.delivery_mode,
        "containers": [c.number for c in row.containers],
        "expected_arrival": row.expected_arrival,
        "goods": [{f: getattr(g, f) for f in GOODS_FIELDS} for g in row.goods],
    }


def get(*, uow: UnitOfWork, actor: Actor, declaration_id: uuid.UUID) -> DeclarationRead:
    """One declaration the actor may see; someone else's is NotFound, never Forbidden."""
    with uow:
        return to_read(_visible(uow, actor, declaration_id))


def list_declarations(
    *, uow: UnitOfWork, actor: Actor, filters: DeclarationFilter, limit: int, offset: int
) -> DeclarationPage:
    """A page of the declarations the actor may see, newest first."""
    with uow:
        rows, total = uow.declarations.page(actor, filters=filters, limit=limit, offset=offset)
        return DeclarationPage(
            items=[to_read(r) for r in rows], total=total, limit=limit, offset=offset
        )


def history(*, uow: UnitOfWork, actor: Actor, declaration_id: uuid.UUID) -> list[HistoryRead]:
    """Every change to a declaration the actor may see, oldest first."""
    with uow:
        _visible(uow, actor, declaration_id)
        return [HistoryRead.model_validate(h) for h in uow.declarations.history(declaration_id)]


def _visible(uow: UnitOfWork, actor: Actor, declaration_id: uuid.UUID) -> DeclarationRow:
    row = uow.declarations.get_visible(declaration_id, actor)
    if row is None:
        raise NotFound(Wording("declaration {id} does not exist", id=str(declaration_id)))
    return row


def trips(*, uow: UnitOfWork, declaration_ids: list[uuid.UUID]) -> list[DeclarationRead]:
    """These trips as they stand now in the open unit of work, for the instance itself (what
    it tells the other side): no actor, no visibility filter."""
    return [to_read(row) for row in uow.declarations.by_ids(declaration_ids, fresh=True)]


def to_read(row: DeclarationRow) -> DeclarationRead:
    """The API view of a stored declaration."""
    return DeclarationRead(
        id=row.id,
        gate_id=row.gate_id,
        direction=row.direction,  # type: ignore[arg-type]
        tractor_plate=row.tractor_plate,
        trailer_plate=row.trailer_plate,
        driver_name=row.driver_name,
        driver_phone=row.driver_phone,
        delivery_mode=row.delivery_mode,  # type: ignore[arg-type]
        containers=[c.number for c in row.containers],
        expected_arrival=row.expected_arrival,
        goods=[GoodsLineRead.model_validate(g) for g in row.goods],
        status=row.status,
        owner=row.owner_name,
        company=row.company,
        copied_from=row.copied_from,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def history_entry(
    row: DeclarationRow,
    actor: Actor,
    now: datetime,
    seq: int,
    action: str,
    path: str,
    before: Any,
    after: Any,
) -> HistoryRow:
    return HistoryRow(
        declaration_id=row.id,
        seq=seq,
        at=now,
        actor=actor.username,
        action=action,
        path=path,
        before=before,
        after=after,
    )
