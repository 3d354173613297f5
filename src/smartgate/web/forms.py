"""HTML form fields to and from declaration data (flat names like `goods.0.hs_code`)."""

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from smartgate.declarations.schemas import DeclarationRead
from smartgate.shared.terms import FLAGS

GOODS_TEXT = ("hs_code", "description", "gross_kg", "value", "currency")
OPTIONAL = ("trailer_plate", "driver_phone")


def declaration_from_form(
    raw: Mapping[str, Any], tz: tzinfo
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what to show back in the form, what to validate) from the posted fields."""
    text = {k: str(v).strip() for k, v in raw.items()}
    form: dict[str, Any] = {k: v for k, v in text.items() if "." not in k}
    form["goods"] = _goods(text)
    data: dict[str, Any] = {
        "gate_id": form.get("gate_id", ""),
        "direction": form.get("direction", ""),
        "tractor_plate": form.get("tractor_plate", ""),
        "driver_name": form.get("driver_name", ""),
        "delivery_mode": form.get("delivery_mode") or "direct",
        "containers": form.get("containers", "").replace(",", " ").split(),
        "expected_arrival": local_to_aware(form.get("expected_arrival", ""), tz),
        "goods": [_goods_data(line) for line in form["goods"]],
    }
    for name in OPTIONAL:
        data[name] = form.get(name) or None
    return form, data


def _goods(text: dict[str, str]) -> list[dict[str, Any]]:
    indexes = sorted(
        {int(k.split(".")[1]) for k in text if k.startswith("goods.") and k.split(".")[1].isdigit()}
    )
    lines = []
    for i in indexes:
        line: dict[str, Any] = {f: text.get(f"goods.{i}.{f}", "") for f in GOODS_TEXT}
        line |= {f: f"goods.{i}.{f}" in text for f in FLAGS}
        lines.append(line)
    return lines or [{}]


def _goods_data(line: dict[str, Any]) -> dict[str, Any]:
    # Empty numbers stay empty so the validator says "required", not "0 is too small".
    return {k: (v if v != "" else None) for k, v in line.items()}


def local_to_aware(value: str, tz: tzinfo) -> Any:
    """A datetime-local field's value as an aware time; unreadable text is left to the validator."""
    # The browser sends wall-clock time without a zone: it is the gate's local time.
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # let the validator explain
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def form_from_declaration(found: DeclarationRead, tz: tzinfo) -> dict[str, Any]:
    """The form pre-filled from an earlier trip, arrival left for the driver to set."""
    return {
        "gate_id": found.gate_id,
        "direction": found.direction,
        "tractor_plate": found.tractor_plate,
        "trailer_plate": found.trailer_plate or "",
        "driver_name": found.driver_name,
        "driver_phone": found.driver_phone or "",
        "delivery_mode": found.delivery_mode,
        "containers": " ".join(found.containers),
        "expected_arrival": "",
        "goods": [line.model_dump(exclude={"line_no"}) for line in found.goods],
        "copied_from": str(found.id),
    }
