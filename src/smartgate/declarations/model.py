"""Pure declaration rules: goods lines, weights, arrival window, status moves, history diffs."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from smartgate.shared.actor import Actor
from smartgate.shared.errors import Conflict, FieldError, Forbidden
from smartgate.shared.lifecycle import AMENDABLE
from smartgate.shared.wording import Wording

MAX_TRUCK_KG = 60_000  # heaviest road train either side lets onto its roads
MAX_CONTAINERS = 3  # one 40 ft or two 20 ft on a semi-trailer, plus a third on a road train
ARRIVAL_PAST_GRACE = timedelta(hours=24)  # a truck already on its way may declare late
ARRIVAL_HORIZON = timedelta(days=60)
CURRENCIES = frozenset({"USD", "CNY", "VND", "EUR", "JPY", "KRW", "HKD", "THB", "SGD"})
DECLARING_ROLES = frozenset({"driver", "forwarder"})


@dataclass(frozen=True)
class GoodsLine:
    """One goods line as the rules see it."""

    hs_code: str
    gross_kg: float


@dataclass(frozen=True)
class TripGoods:
    """What the queue looks at in one goods line: its code and its flags."""

    hs_code: str
    perishable: bool
    cold_chain: bool
    production_input: bool


@dataclass(frozen=True)
class Trip:
    """A declared trip as the crossing queue sees it: the truck, where it goes, its goods."""

    id: uuid.UUID
    gate_id: str
    direction: str
    tractor_plate: str
    status: str
    owner_id: int
    company: str | None
    delivery_mode: str
    expected_arrival: datetime
    goods: tuple[TripGoods, ...]


@dataclass(frozen=True)
class TractorChanged:
    """A trip's tractor plate changed: whatever holds a place for its vehicle follows."""

    declaration_id: uuid.UUID
    plate: str


@dataclass(frozen=True)
class TripsDeclared:
    """Trips were declared, or a trip's declaration changed: what the other side's customs
    hears of ahead of arrival (see `smartgate.exchange`)."""

    declaration_ids: tuple[uuid.UUID, ...]


def hs_fault(
    hs_code: str, *, hs_exists: Callable[[str], bool], permitted: Callable[[str], bool], gate: str
) -> Wording | None:
    """Why an HS code cannot be declared here, or None."""
    if not hs_exists(hs_code):
        return Wording("{hs_code} is not an HS 2022 subheading", hs_code=hs_code)
    if not permitted(hs_code):
        return Wording(
            "goods {hs_code} are not permitted through {gate}", hs_code=hs_code, gate=gate
        )
    return None


def weight_fault(total_kg: float) -> Wording | None:
    """Why a truck's total gross weight is implausible, or None."""
    if total_kg > MAX_TRUCK_KG:
        return Wording(
            "total gross weight {total} kg exceeds {limit} kg a truck",
            total=f"{total_kg:,.0f}",
            limit=f"{MAX_TRUCK_KG:,}",
        )
    return None


def check_goods(
    goods: Iterable[GoodsLine],
    *,
    hs_exists: Callable[[str], bool],
    permitted: Callable[[str], bool],
    gate: str,
    path: str = "goods",
) -> list[FieldError]:
    """Every goods-line fault: unknown HS code, goods not permitted here, truck too heavy."""
    errors: list[FieldError] = []
    lines = list(goods)
    for index, line in enumerate(lines):
        fault = hs_fault(line.hs_code, hs_exists=hs_exists, permitted=permitted, gate=gate)
        if fault:
            errors.append(FieldError(f"{path}.{index}.hs_code", fault))
    fault = weight_fault(sum(line.gross_kg for line in lines))
    if fault:
        errors.append(FieldError(path, fault))
    return errors


def check_arrival(
    expected: datetime, now: datetime, *, path: str = "expected_arrival"
) -> list[FieldError]:
    """The expected arrival must be recent or within the booking horizon."""
    if expected < now - ARRIVAL_PAST_GRACE:
        return [FieldError(path, Wording("is more than {hours} hours in the past", hours=24))]
    if expected > now + ARRIVAL_HORIZON:
        return [FieldError(path, Wording("is more than {days} days ahead", days=60))]
    return []


def check_containers(numbers: list[str], *, path: str = "containers") -> list[FieldError]:
    """No container twice, and no more than a truck can carry."""
    errors = []
    if len(numbers) > MAX_CONTAINERS:
        errors.append(
            FieldError(
                path, Wording("a truck carries at most {limit} containers", limit=MAX_CONTAINERS)
            )
        )
    seen: set[str] = set()
    for index, number in enumerate(numbers):
        if number in seen:
            errors.append(
                FieldError(f"{path}.{index}", Wording("{number} is listed twice", number=number))
            )
        seen.add(number)
    return errors


def ensure_amendable(status: str) -> None:
    """A declaration changes only until its truck is called to the border."""
    if status not in AMENDABLE:
        raise Conflict(
            Wording("a {status} declaration can no longer be amended", status=Wording(status))
        )


def ensure_may_declare(actor: Actor) -> None:
    """Drivers and forwarders declare trips; officials do not."""
    if actor.role not in DECLARING_ROLES:
        raise Forbidden(Wording("role {role} cannot declare trips", role=actor.role))


def ensure_may_amend(actor: Actor, *, owner_id: int, company: str | None) -> None:
    """The declaring driver, or a forwarder of the declaring company, may amend."""
    if actor.role in DECLARING_ROLES and actor.scope.allows(owner_id=owner_id, company=company):
        return
    raise Forbidden(Wording("only the declaring driver or forwarder may change this declaration"))


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, as (before, after) pairs for the history."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
