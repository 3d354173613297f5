"""Amending a declaration one piece at a time; every change lands in the history."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from smartgate.declarations import model
from smartgate.declarations.schemas import (
    ContainerIn,
    DeclarationRead,
    DeclarationUpdate,
    GoodsLineIn,
    GoodsLineUpdate,
)
from smartgate.declarations.services import (
    GOODS_FIELDS,
    GatePermits,
    gate_permits,
    history_entry,
    to_read,
)
from smartgate.declarations.tables import ContainerRow, DeclarationRow, GoodsLineRow
from smartgate.operations.matching import skeleton
from smartgate.registry.nomenclature import catalog
from smartgate.shared.actor import Actor
from smartgate.shared.clock import as_utc, utcnow
from smartgate.shared.errors import Conflict, FieldError, NotFound, ValidationFailed
from smartgate.shared.lifecycle import TripMoved, check_trip_move
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

MAX_GOODS_LINES = 50
# A change returns (action, path, before, after), or None when it changed nothing.
Change = Callable[[DeclarationRow, GatePermits], tuple[str, str, Any, Any] | None]


def _amend(
    uow: UnitOfWork, actor: Actor, declaration_id: uuid.UUID, change: Change, now: datetime
) -> DeclarationRead:
    with uow:
        row = uow.declarations.get_for_update(declaration_id, actor)
        if row is None:
            raise NotFound(
                Wording(
                    "declaration {declaration_id} does not exist", declaration_id=declaration_id
                )
            )
        model.ensure_may_amend(actor, owner_id=row.owner_id, company=row.company)
        model.ensure_amendable(row.status)
        rules = gate_permits(uow, row.gate_id, row.direction)
        assert rules is not None  # the foreign key keeps the gate
        done = change(row, rules)
        if done is not None:
            action, path, before, after = done
            row.version += 1
            row.updated_at = now
            seq = uow.declarations.last_seq(row.id) + 1
            uow.declarations.add_history(
                [history_entry(row, actor, now, seq, action, path, before, after)]
            )
            uow.publish(model.TripsDeclared((row.id,)))
            uow.commit()
        return to_read(row)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, message)])


def _check_hs(hs_code: str, rules: GatePermits) -> None:
    fault = model.hs_fault(
        hs_code, hs_exists=catalog().is_subheading, permitted=rules.permits, gate=rules.label
    )
    if fault:
        raise _fail("hs_code", fault)


def _check_weight(row: DeclarationRow, *, without: GoodsLineRow | None, adding: float) -> None:
    total = sum(g.gross_kg for g in row.goods if g is not without) + adding
    fault = model.weight_fault(total)
    if fault:
        raise _fail("gross_kg", fault)


def _line(row: DeclarationRow, line_no: int) -> GoodsLineRow:
    for line in row.goods:
        if line.line_no == line_no:
            return line
    raise NotFound(
        Wording("goods line {line_no} does not exist on this declaration", line_no=line_no)
    )


def _line_data(line: GoodsLineRow) -> dict[str, Any]:
    return {field: getattr(line, field) for field in GOODS_FIELDS}


def amend_trip(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    changes: DeclarationUpdate,
    now: datetime | None = None,
) -> DeclarationRead:
    """Change trip fields (plates, driver, expected arrival) without touching goods."""
    now = now or utcnow()
    wanted = changes.model_dump(exclude_unset=True)

    def change(row: DeclarationRow, _rules: GatePermits) -> tuple[str, str, Any, Any] | None:
        if "expected_arrival" in wanted:
            wanted["expected_arrival"] = as_utc(wanted["expected_arrival"])
            errors = model.check_arrival(wanted["expected_arrival"], now)
            if errors:
                raise ValidationFailed(errors)
        before, after = model.changes({k: getattr(row, k) for k in wanted}, wanted)
        if not after:
            return None
        for key, value in after.items():
            setattr(row, key, value)
        if "tractor_plate" in after:
            row.plate_skeleton = skeleton(row.tractor_plate)
            uow.publish(model.TractorChanged(row.id, row.tractor_plate))
        return "trip.amended", "", _jsonable(before), _jsonable(after)

    return _amend(uow, actor, declaration_id, change, now or utcnow())


def amend_goods_line(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    line_no: int,
    changes: GoodsLineUpdate,
    now: datetime | None = None,
) -> DeclarationRead:
    """Change one goods line; the other lines and the rest of the declaration stay."""
    wanted = changes.model_dump(exclude_unset=True)

    def change(row: DeclarationRow, rules: GatePermits) -> tuple[str, str, Any, Any] | None:
        line = _line(row, line_no)
        before, after = model.changes(_line_data(line), wanted)
        if not after:
            return None
        if "hs_code" in after:
            _check_hs(after["hs_code"], rules)
        if "gross_kg" in after:
            _check_weight(row, without=line, adding=after["gross_kg"])
        for key, value in after.items():
            setattr(line, key, value)
        return "goods.amended", f"goods.{line_no}", before, after

    return _amend(uow, actor, declaration_id, change, now or utcnow())


def add_goods_line(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    line: GoodsLineIn,
    now: datetime | None = None,
) -> DeclarationRead:
    """Add a goods line with the next free number."""

    def change(row: DeclarationRow, rules: GatePermits) -> tuple[str, str, Any, Any]:
        if len(row.goods) >= MAX_GOODS_LINES:
            raise Conflict(
                Wording("a declaration holds at most {limit} goods lines", limit=MAX_GOODS_LINES)
            )
        _check_hs(line.hs_code, rules)
        _check_weight(row, without=None, adding=line.gross_kg)
        line_no = max(g.line_no for g in row.goods) + 1
        row.goods.append(GoodsLineRow(line_no=line_no, **line.model_dump()))
        return "goods.added", f"goods.{line_no}", None, line.model_dump()

    return _amend(uow, actor, declaration_id, change, now or utcnow())


def remove_goods_line(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    line_no: int,
    now: datetime | None = None,
) -> DeclarationRead:
    """Remove one goods line; the last one cannot go."""

    def change(row: DeclarationRow, _rules: GatePermits) -> tuple[str, str, Any, Any]:
        line = _line(row, line_no)
        if len(row.goods) == 1:
            raise Conflict(
                Wording("a declaration needs at least one goods line; cancel it instead")
            )
        row.goods.remove(line)
        return "goods.removed", f"goods.{line_no}", _line_data(line), None

    return _amend(uow, actor, declaration_id, change, now or utcnow())


def _container(row: DeclarationRow, number: str) -> ContainerRow:
    for container in row.containers:
        if container.number == number:
            return container
    raise NotFound(Wording("container {number} is not on this declaration", number=number))


def _ensure_not_listed(row: DeclarationRow, number: str) -> None:
    if any(c.number == number for c in row.containers):
        raise _fail("number", f"{number} is already on this declaration")


def replace_container(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    number: str,
    new: ContainerIn,
    now: datetime | None = None,
) -> DeclarationRead:
    """Correct one container number, keeping its place."""

    def change(row: DeclarationRow, _rules: GatePermits) -> tuple[str, str, Any, Any] | None:
        container = _container(row, number.upper())
        if new.number == container.number:
            return None
        _ensure_not_listed(row, new.number)
        container.number = new.number
        return "container.amended", f"containers.{container.position}", number.upper(), new.number

    return _amend(uow, actor, declaration_id, change, now or utcnow())


def add_container(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    new: ContainerIn,
    now: datetime | None = None,
) -> DeclarationRead:
    """Add a container to the truck."""

    def change(row: DeclarationRow, _rules: GatePermits) -> tuple[str, str, Any, Any]:
        _ensure_not_listed(row, new.number)
        if len(row.containers) >= model.MAX_CONTAINERS:
            raise Conflict(
                Wording("a truck carries at most {limit} containers", limit=model.MAX_CONTAINERS)
            )
        position = max((c.position for c in row.containers), default=-1) + 1
        row.containers.append(ContainerRow(position=position, number=new.number))
        return "container.added", f"containers.{position}", None, new.number

    return _amend(uow, actor, declaration_id, change, now or utcnow())


def remove_container(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    number: str,
    now: datetime | None = None,
) -> DeclarationRead:
    """Take a container off the declaration."""

    def change(row: DeclarationRow, _rules: GatePermits) -> tuple[str, str, Any, Any]:
        container = _container(row, number.upper())
        row.containers.remove(container)
        return "container.removed", f"containers.{container.position}", container.number, None

    return _amend(uow, actor, declaration_id, change, now or utcnow())


def cancel(
    *,
    uow: UnitOfWork,
    actor: Actor,
    declaration_id: uuid.UUID,
    now: datetime | None = None,
) -> DeclarationRead:
    """Cancel a declaration; it stays in the history but can no longer change."""

    def change(row: DeclarationRow, _rules: GatePermits) -> tuple[str, str, Any, Any]:
        check_trip_move(row.status, "cancelled")
        # The trip's step, with its booking and place in line released, lands at commit.
        uow.publish(TripMoved(row.id, "cancelled", actor.username, now or utcnow()))
        return "status.changed", "status", row.status, "cancelled"

    return _amend(uow, actor, declaration_id, change, now or utcnow())


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
