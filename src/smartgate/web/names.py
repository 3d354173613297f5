"""How pages name things in their reader's language: gate pairs (the reader's side first),
lanes, yards and roads (from the registry's names in each language), the fields a refusal
names, and hold reasons stored in English."""

from collections.abc import Callable
from typing import Any

from smartgate.policy.model import HOLD_TEXTS
from smartgate.shared.wording import Clock, Wording, reread


def gate_name(gate: Any, lang: str, between: str = " – ") -> str:
    """A gate pair's two names, the one in the reader's language first (友谊关 – Hữu Nghị)."""
    names = (gate.name_zh, gate.name_vi) if lang == "zh" else (gate.name_vi, gate.name_zh)
    return between.join(names)


def named(thing: Any, lang: str) -> str:
    """A lane's, road's or yard's name in the reader's language, else the name it has."""
    for attribute in (f"name_{lang}", "name", "name_vi", "name_en"):
        if found := getattr(thing, attribute, None):
            return str(found)
    return ""


# What a page calls the fields a refusal names (never the internal name, e.g. `to_hour`).
FIELD_LABELS = {
    "agency": "Agency", "backlog_hours": "Backlog after waiting (hours)",
    "booking_share": "Bookable share of capacity", "capacity": "Trucks per hour, both sides",
    "containers": "Containers", "count": "Trucks", "currency": "Currency",
    "day": "Date", "declaration_id": "Trip", "description": "Description",
    "direction": "Direction", "driver_name": "Driver", "driver_phone": "Driver phone",
    "ends_at": "Ends", "expected_arrival": "Expected arrival", "flags": "Goods kinds",
    "from_hour": "From hour", "gate_id": "Gate", "goods": "Goods", "gross_kg": "Gross weight (kg)",
    "hours": "Hours ahead", "hs_code": "HS code", "hs_prefixes": "HS code prefixes",
    "lane": "Lane", "live_every": "One live-queue truck after this many booked",
    "note": "Note", "outcome": "Outcome", "pass_code": "Pass code", "plate": "Plate",
    "priority_order": "Priority order", "reason": "Reason", "slot_start": "Booked hour",
    "starts_at": "Starts", "to_hour": "To hour", "tractor_plate": "Tractor plate",
    "trailer_plate": "Trailer plate", "trip": "Trip", "trucks_per_hour": "Trucks per hour",
    "value": "Value", "window_days": "Booking window (days)", "yard": "Yard",
}  # fmt: skip


def field_label(field: str) -> str:
    """The English label of a field a refusal names (`goods.0.hs_code`: its last part)."""
    named = [part for part in field.split(".") if not part.isdigit()]
    return FIELD_LABELS.get(named[-1] if named else field, field)


def reread_hold(reason: str) -> str | Wording:
    """A stored hold reason ("suspended: …") as the words it was made from."""
    return reread(reason, HOLD_TEXTS)


def held(reason: str | None, translate: Callable[[str], str], clock: Clock) -> str:
    """Why a truck is held, in the reader's language (what the authority typed stays as is)."""
    if not reason:
        return ""
    found = reread_hold(reason)
    return found.worded(translate, clock) if isinstance(found, Wording) else translate(found)
