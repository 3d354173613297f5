"""The border-gate fee: a tariff per gate, kept as data the authority edits
(`registry/data/tariffs.toml`), and the pure rule that prices one trip from it line by line, so
a receipt can show how the fee was made."""

import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

from smartgate.registry.model import DIRECTIONS
from smartgate.shared.errors import FieldError, ValidationFailed
from smartgate.shared.terms import DELIVERY_MODES

DEFAULT = "default"  # the tariff of every gate without one of its own
OTHER_GOODS = "other goods"  # what goods no prefix of the tariff matches are called; they pay × 1

# A declaration knows the goods' gross weight, whether a trailer is hitched and how many
# containers ride, but not what the vehicle weighs empty; these tares stand in for it.
SEMI_TRAILER_RIG_TARE_KG = 15_000  # tractor and semi-trailer
RIGID_TRUCK_TARE_KG = 6_000  # a two-axle rigid truck with a box body
CONTAINER_TARE_KG = 3_000  # between a 20 ft box (about 2.2 t) and a 40 ft one (about 3.8 t)


@dataclass(frozen=True)
class Band:
    """Vehicles from the band before's `below_t` tonnes up to, not including, this `below_t`
    pay `fee` per trip; the last band has no `below_t` and takes every heavier vehicle."""

    below_t: float | None
    fee: int


@dataclass(frozen=True)
class GoodsCategory:
    """Goods whose HS code starts with `hs_prefix` multiply the fee by `factor`."""

    hs_prefix: str
    label: str
    factor: float


@dataclass(frozen=True)
class Tariff:
    """One gate's fee table: weight bands (lightest first) and the factors applied to them."""

    currency: str
    round_to: int  # the fee is rounded to the nearest multiple of this, halves up
    bands: tuple[Band, ...]
    goods: tuple[GoodsCategory, ...]
    directions: Mapping[str, float]
    delivery_modes: Mapping[str, float]


@dataclass(frozen=True)
class FeeLine:
    """One line of a receipt: the weight band's `amount`, or a `factor` applied to it."""

    item: str  # weight_band, goods, direction or delivery_mode
    detail: str
    amount: int | None = None
    factor: float | None = None


@dataclass(frozen=True)
class Fee:
    """What a trip pays: the product of its lines, rounded to the tariff's `round_to`."""

    amount: int
    currency: str
    lines: tuple[FeeLine, ...]


def fee(
    tariff: Tariff,
    *,
    vehicle_kg: float,
    hs_codes: Sequence[str],
    direction: str,
    delivery_mode: str,
) -> Fee:
    """What one trip pays at a gate charging `tariff`, with the lines the amount is made of."""
    lines = (
        _band_line(tariff.bands, vehicle_kg),
        _goods_line(tariff.goods, hs_codes),
        _factor_line("direction", tariff.directions, direction),
        _factor_line("delivery_mode", tariff.delivery_modes, delivery_mode),
    )
    amount = _rounded(math.prod(map(_value, lines), start=Decimal(1)), tariff.round_to)
    return Fee(amount=amount, currency=tariff.currency, lines=lines)


def vehicle_kg(goods_gross_kg: float, containers: int, *, trailer: bool = True) -> float:
    """The loaded vehicle's weight estimated from a declaration: the goods' gross kg plus an
    assumed tare of 15 t for a tractor with a semi-trailer (6 t for a rigid truck, when no
    trailer is declared) and 3 t for each container, as a declaration gives containers by count
    and not by size. A weighbridge reading, where a gate has one, is better than this guess."""
    if goods_gross_kg < 0 or containers < 0:
        raise ValueError(f"weights and counts cannot be negative: {goods_gross_kg}, {containers}")
    tare = SEMI_TRAILER_RIG_TARE_KG if trailer else RIGID_TRUCK_TARE_KG
    return tare + containers * CONTAINER_TARE_KG + goods_gross_kg


def tariff_for(tariffs: Mapping[str, Tariff], gate_id: str) -> Tariff:
    """The gate's own tariff, else the default."""
    return tariffs.get(gate_id, tariffs[DEFAULT])


def shipped_tariffs() -> dict[str, Tariff]:
    """The tariffs shipped with the package: Lạng Sơn's 2025 fee for every gate."""
    return load_tariffs(shipped_document())


def shipped_document() -> dict[str, Any]:
    """The shipped tariff document's tables."""
    path = resources.files("smartgate.registry") / "data" / "tariffs.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def gate_tariff(document: Mapping[str, Any], gate_id: str, sections: Mapping[str, Any]) -> Tariff:
    """The tariff a gate charges when its own tables are `sections` (what is left out comes
    from the document's default); ValidationFailed names each key at fault within `sections`,
    as `bands.2.fee`."""
    gates = dict(document.get("gate", {})) | {gate_id: sections}
    prefix = f"gate.{gate_id}."
    try:
        return load_tariffs({**document, "gate": gates})[gate_id]
    except ValidationFailed as failed:
        raise ValidationFailed(
            [FieldError(e.field.removeprefix(prefix), e.message) for e in failed.errors]
        ) from None


def as_tables(tariff: Tariff) -> dict[str, Any]:
    """A tariff as the tables of a tariff document (what the authority reads and edits)."""
    return {
        "currency": tariff.currency,
        "round_to": tariff.round_to,
        "bands": [
            {"fee": band.fee} | ({} if band.below_t is None else {"below_t": band.below_t})
            for band in tariff.bands
        ],
        "goods": {c.hs_prefix: {"label": c.label, "factor": c.factor} for c in tariff.goods},
        "directions": dict(tariff.directions),
        "delivery_modes": dict(tariff.delivery_modes),
    }


def load_tariffs(document: str | Mapping[str, Any]) -> dict[str, Tariff]:
    """The tariffs of a tariff document (TOML text or its tables) by gate id, and the default
    under DEFAULT; ValidationFailed names every key at fault, as `default.bands.2.fee`."""
    data = _tables_of(document)
    errors = [
        FieldError(name, 'unknown key (a tariff document has [default] and [gate."<id>"] tables)')
        for name in data
        if name not in (DEFAULT, "gate")
    ]
    default = _default_sections(data.get(DEFAULT), errors)
    gates = _gate_sections(data.get("gate", {}), errors)
    if errors:
        raise ValidationFailed(errors)
    base = Tariff(**default)
    # A gate's key replaces the default's key as a whole: a gate listing bands lists them all.
    return {DEFAULT: base} | {gate: replace(base, **sections) for gate, sections in gates.items()}


# Line by line ---------------------------------------------------------------------------------


def _band_line(bands: tuple[Band, ...], vehicle_kg: float) -> FeeLine:
    if not (math.isfinite(vehicle_kg) and vehicle_kg >= 0):
        raise ValueError(f"vehicle_kg must be a weight of 0 kg or more, got {vehicle_kg!r}")
    index = next(i for i, band in enumerate(bands) if _holds(band, vehicle_kg))
    lower = bands[index - 1].below_t if index else None
    return FeeLine("weight_band", _band_label(lower, bands[index].below_t), amount=bands[index].fee)


def _holds(band: Band, vehicle_kg: float) -> bool:
    """True when `vehicle_kg` is below the band's upper edge (bands are searched lightest first)."""
    return band.below_t is None or vehicle_kg < band.below_t * 1000


def _band_label(lower: float | None, upper: float | None) -> str:
    if lower is None:
        return "any weight" if upper is None else f"< {upper:g} t"
    return f"≥ {lower:g} t" if upper is None else f"{lower:g}–{upper:g} t"


def _goods_line(goods: tuple[GoodsCategory, ...], hs_codes: Iterable[str]) -> FeeLine:
    # The fee is per trip, not per goods line, so one factor stands for the whole load. The
    # highest among the goods counts: a truck of ore must not pay × 1 for adding a sack of rice.
    found = [c for c in (_category_of(goods, code) for code in hs_codes) if c is not None]
    if not found:
        return FeeLine("goods", OTHER_GOODS, factor=1.0)
    top = max(found, key=lambda category: category.factor)
    return FeeLine("goods", f"{top.label} (HS {top.hs_prefix})", factor=top.factor)


def _category_of(goods: tuple[GoodsCategory, ...], hs_code: str) -> GoodsCategory | None:
    """The category whose prefix starts `hs_code`; the longest (most specific) if several do."""
    matching = [category for category in goods if hs_code.startswith(category.hs_prefix)]
    return max(matching, key=lambda category: len(category.hs_prefix), default=None)


def _factor_line(item: str, factors: Mapping[str, float], name: str) -> FeeLine:
    if name not in factors:
        raise ValueError(f"{item} must be one of {', '.join(factors)}, got {name!r}")
    return FeeLine(item, name, factor=factors[name])


def _value(line: FeeLine) -> Decimal:
    # Decimal from a factor's shortest repr keeps 1.3 as 1.3: 100,000 × 1.3 × 0.3 is 39,000 exactly.
    return Decimal(line.amount) if line.amount is not None else Decimal(repr(line.factor))


def _rounded(amount: Decimal, step: int) -> int:
    """`amount` to the nearest multiple of `step`, halves up, as a cashier would."""
    return int((amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step


# Reading a tariff document ----------------------------------------------------------------


class _Fault(Exception):
    """One key at fault; the loader records it and reads on."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key, self.reason = key, reason


def _tables_of(document: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(document, str):
        return document
    try:
        return tomllib.loads(document)
    except tomllib.TOMLDecodeError as error:
        raise ValidationFailed([FieldError("document", f"is not valid TOML: {error}")]) from None


def _default_sections(raw: Any, errors: list[FieldError]) -> dict[str, Any]:
    if raw is None:
        errors.append(FieldError(DEFAULT, "required: the tariff of every gate without its own"))
        return {}
    sections = _sections(raw, DEFAULT, errors)
    if isinstance(raw, dict):
        missing = [name for name in _SECTIONS if name not in raw]
        errors += [FieldError(f"{DEFAULT}.{name}", "required") for name in missing]
    return sections


def _gate_sections(raw: Any, errors: list[FieldError]) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        errors.append(FieldError("gate", 'must hold [gate."<gate-id>"] tables'))
        return {}
    if DEFAULT in raw:
        errors.append(FieldError(f"gate.{DEFAULT}", "names no gate: that tariff is [default]"))
    return {gate: _sections(raw[gate], f"gate.{gate}", errors) for gate in raw if gate != DEFAULT}


def _sections(raw: Any, key: str, errors: list[FieldError]) -> dict[str, Any]:
    """The keys of one tariff table that read well; each fault goes to `errors`."""
    if not isinstance(raw, dict):
        errors.append(FieldError(key, "must be a table"))
        return {}
    sections = {}
    for name, value in raw.items():
        try:
            if name not in _SECTIONS:
                raise _Fault(f"{key}.{name}", f"unknown key (known: {', '.join(_SECTIONS)})")
            sections[name] = _SECTIONS[name](value, f"{key}.{name}")
        except _Fault as fault:
            errors.append(FieldError(fault.key, fault.reason))
    return sections


def _currency(value: Any, key: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
        raise _Fault(key, f"must be a three-letter currency code such as VND, got {value!r}")
    return value


def _bands(value: Any, key: str) -> tuple[Band, ...]:
    if not isinstance(value, list) or not value:
        raise _Fault(key, "must be a list of [[bands]] tables, lightest first")
    bands: list[Band] = []
    for index, raw in enumerate(value):
        last = index == len(value) - 1
        bands.append(_band(raw, f"{key}.{index}", bands[-1] if bands else None, last=last))
    return tuple(bands)


def _band(raw: Any, key: str, before: Band | None, *, last: bool) -> Band:
    table = _table(raw, key, known=("below_t", "fee"))
    fee = _whole_positive(_required(table, "fee", key), f"{key}.fee")
    below = table.get("below_t")
    if last and below is not None:
        heavier = "must be left out: the last band takes every heavier vehicle"
        raise _Fault(f"{key}.below_t", heavier)
    if not last:
        below = _positive(_required(table, "below_t", key), f"{key}.below_t")
    if before is not None and before.below_t is not None:
        if below is not None and below <= before.below_t:
            edge = f"{before.below_t:g} t"
            raise _Fault(f"{key}.below_t", f"must be greater than the band before ({edge})")
        if fee < before.fee:
            raise _Fault(
                f"{key}.fee",
                f"must not be less than the band before ({before.fee:,}): a heavier vehicle "
                "never pays less",
            )
    return Band(below_t=below, fee=fee)


def _goods(value: Any, key: str) -> tuple[GoodsCategory, ...]:
    table = _table(value, key)
    return tuple(_category(prefix, raw, f"{key}.{prefix}") for prefix, raw in table.items())


def _category(prefix: str, raw: Any, key: str) -> GoodsCategory:
    if not re.fullmatch(r"[0-9]{2,6}", prefix):
        raise _Fault(key, "must be an HS prefix of 2 to 6 digits")
    table = _table(raw, key, known=("label", "factor"))
    label = _required(table, "label", key)
    if not isinstance(label, str) or not label.strip():
        raise _Fault(f"{key}.label", f"must be a name for the receipt, got {label!r}")
    return GoodsCategory(prefix, label, _positive(_required(table, "factor", key), f"{key}.factor"))


def _factors(known: Sequence[str], what: str) -> Callable[[Any, str], dict[str, float]]:
    """A reader of a factor table that has a factor for each of `known`, and nothing else."""

    def read(value: Any, key: str) -> dict[str, float]:
        table = _table(value, key, known, what)
        for name in known:
            if name not in table:
                raise _Fault(f"{key}.{name}", f"required: every {what} needs a factor")
        return {name: _positive(table[name], f"{key}.{name}") for name in known}

    return read


def _table(
    value: Any, key: str, known: Sequence[str] | None = None, what: str = "key"
) -> dict[str, Any]:
    """`value` as a table, refusing names outside `known` (when given) as an unknown `what`."""
    if not isinstance(value, dict):
        raise _Fault(key, "must be a table")
    unknown = [name for name in value if name not in known] if known is not None else []
    if unknown:
        raise _Fault(f"{key}.{unknown[0]}", f"unknown {what} (known: {', '.join(known or ())})")
    return value


def _required(table: dict[str, Any], name: str, key: str) -> Any:
    if name not in table:
        raise _Fault(f"{key}.{name}", "required")
    return table[name]


def _positive(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Fault(key, f"must be a number, got {value!r}")
    if value <= 0:
        raise _Fault(key, f"must be greater than 0, got {value!r}")
    return float(value)


def _whole_positive(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _Fault(key, f"must be a whole number greater than 0, got {value!r}")
    return value


_SECTIONS: dict[str, Callable[[Any, str], Any]] = {
    "currency": _currency,
    "round_to": _whole_positive,
    "bands": _bands,
    "goods": _goods,
    "directions": _factors(DIRECTIONS, "direction"),
    "delivery_modes": _factors(DELIVERY_MODES, "delivery mode"),
}
