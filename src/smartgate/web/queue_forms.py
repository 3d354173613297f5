"""HTML form fields to queue and policy data: arrivals, capacity, suspensions, gate rules."""

import uuid
from datetime import date, tzinfo
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from smartgate.declarations.plates import PlateError, parse_plate
from smartgate.policy.model import date_fault
from smartgate.policy.schemas import GateRulesIO
from smartgate.registry.model import DIRECTIONS
from smartgate.web.forms import local_to_aware

# The rules form has one input per number; the order and the green-zone box are special.
RULE_NUMBERS = tuple(
    n for n in GateRulesIO.model_fields if n not in ("priority_order", "green_zone")
)


def fields(raw: ImmutableMultiDict[str, Any], lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """A posted form (or query) as text by name; the names in `lists` keep every value."""
    form: dict[str, Any] = {k: str(v).strip() for k, v in raw.items()}
    return form | {name: [str(v) for v in raw.getlist(name)] for name in lists}


def arrival_data(code: str) -> dict[str, Any]:
    """What the operator typed or scanned: a declaration id, a tractor plate, else a booking's
    pass code (in any case)."""
    code = code.strip()
    try:
        return {"declaration_id": uuid.UUID(code)}
    except ValueError:
        pass
    try:
        return {"plate": parse_plate(code).text}
    except PlateError:
        return {"pass_code": code or None}


def capacity_data(form: dict[str, Any]) -> dict[str, Any]:
    """What to validate as CapacityIn; no side or date means this side, every day."""
    data = {n: form.get(n, "") for n in ("direction", "trucks_per_hour", "from_hour", "to_hour")}
    return data | {"side": form.get("side") or None, "day": form.get("day") or None}


def shown_capacity(form: dict[str, Any], today: date) -> tuple[date, str]:
    """The day and direction the capacity table shows: the form's, where they make sense
    (the form itself says what is wrong with them)."""
    try:
        day = date.fromisoformat(form.get("day", ""))
    except ValueError:
        day = today
    direction = form.get("direction", "")
    return (
        today if date_fault(day, today) else day,
        direction if direction in DIRECTIONS else "export",
    )


def suspension_data(form: dict[str, Any], gate_id: str, tz: tzinfo) -> dict[str, Any]:
    """What to validate as SuspensionIn; times are typed in this side's local time."""
    return {
        "reason": form.get("reason", ""),
        "gate_id": None if form.get("every_gate") else gate_id,
        "direction": form.get("direction") or None,
        "hs_prefixes": form.get("hs_prefixes", "").replace(",", " ").split(),
        "flags": form.get("flags", []),
        "starts_at": _moment(form.get("starts_at", ""), tz),
        "ends_at": _moment(form.get("ends_at", ""), tz),
    }


def _moment(value: str, tz: tzinfo) -> Any:
    return local_to_aware(value, tz) if value else None


def rules_data(form: dict[str, Any]) -> dict[str, Any]:
    """What to validate as GateRulesIO; unchosen places in the priority order are skipped."""
    data: dict[str, Any] = {n: form.get(n, "") for n in RULE_NUMBERS}
    return data | {
        "priority_order": [c for c in form.get("priority_order", []) if c],
        "green_zone": bool(form.get("green_zone")),
    }
