"""Registry use-cases: load gate documents, read gates, search HS codes."""

import tomllib
from datetime import UTC, datetime, timezone
from pathlib import Path
from typing import Any

from smartgate.registry import model
from smartgate.registry.nomenclature import catalog
from smartgate.registry.schemas import (
    GateIn,
    GateRead,
    GatesDocument,
    HSPage,
    HSRead,
    LaneRead,
    LocalHours,
    OpeningHours,
    RoadRead,
    YardRead,
)
from smartgate.registry.tables import (
    FreightRoadRow,
    GateRow,
    LaneRow,
    PermittedGoodsRow,
    YardRow,
)
from smartgate.shared.clock import CN_TZ, VN_TZ, utcnow
from smartgate.shared.errors import FieldError, NotFound, ValidationFailed
from smartgate.shared.validation import parse_or_fail
from smartgate.uow import UnitOfWork

ALL_CHAPTERS = [f"{n:02d}" for n in range(1, 98) if n not in (77, 93)]  # 77 is unused, 93 arms


def demo_document_path() -> Path:
    """The shipped gate document with the real gate pairs."""
    return Path(__file__).parent / "data" / "gates.toml"


def read_document(path: Path) -> dict[str, Any]:
    """A TOML gate document, or ValidationFailed naming the file's fault."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed([FieldError(str(path), f"cannot be read: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed([FieldError(str(path), f"is not valid TOML: {exc}")]) from None


def load_gates(*, uow: UnitOfWork, document: dict[str, Any], side: str) -> list[str]:
    """Validate a gate document and store every gate in it, all or nothing."""
    parsed = parse_or_fail(GatesDocument, document)
    with uow:
        for gate in parsed.gate:
            _store_gate(uow, gate, side)
        uow.commit()
    return [gate.id for gate in parsed.gate]


def _store_gate(uow: UnitOfWork, gate: GateIn, side: str) -> None:
    # Documents speak from Viet Nam; the Chinese instance sees every direction flipped.
    def seen(direction: model.Direction) -> model.Direction:
        return direction if side == "VN" else model.opposite(direction)

    permitted = [
        PermittedGoodsRow(gate_id=gate.id, direction=seen(direction), hs_prefix=prefix)
        for direction, prefixes in gate.permitted.items()
        for prefix in _expand(prefixes)
    ]
    uow.registry.replace_gate(
        GateRow(
            id=gate.id,
            name_vi=gate.name_vi,
            name_zh=gate.name_zh,
            name_en=gate.name_en,
            counterpart_vi=gate.counterpart_vi,
            province_vi=gate.province_vi,
            city_zh=gate.city_zh,
            gate_type=gate.gate_type,
            open_utc=model.utc_time_of_day(gate.opens, VN_TZ),
            close_utc=model.utc_time_of_day(gate.closes, VN_TZ),
            quarantine_chapters=gate.quarantine_chapters,
        ),
        roads=[
            FreightRoadRow(
                id=road.id,
                gate_id=gate.id,
                name_vi=road.name_vi,
                name_en=road.name_en,
                name_zh=road.name_zh,
                markers=road.markers,
                vehicles_per_day=road.vehicles_per_day,
                target_min_per_day=road.target[0],
                target_max_per_day=road.target[1],
            )
            for road in gate.road
        ],
        lanes=[
            LaneRow(
                gate_id=gate.id,
                code=lane.code,
                name=lane.name,
                name_vi=lane.name_vi,
                name_zh=lane.name_zh,
                name_en=lane.name_en,
                direction=seen(lane.direction),
                delivery_modes=list(lane.modes),
                road_id=lane.road,
                is_open=True,
            )
            for lane in gate.lane
        ],
        yards=[
            YardRow(
                gate_id=gate.id,
                code=yard.code,
                name=yard.name,
                name_vi=yard.name_vi,
                name_zh=yard.name_zh,
                name_en=yard.name_en,
                capacity_trucks=yard.capacity,
                cold_storage=yard.cold_storage,
            )
            for yard in gate.yard
        ],
        permitted=permitted,
    )


def _expand(prefixes: list[str]) -> set[str]:
    return set(ALL_CHAPTERS) if "*" in prefixes else set(prefixes)


def list_gates(*, uow: UnitOfWork) -> list[GateRead]:
    """Every gate pair with what belongs to it."""
    with uow:
        permitted = uow.registry.permitted_by_gate()
        return [_read(gate, permitted) for gate in uow.registry.list_gates()]


def get_gate(*, uow: UnitOfWork, gate_id: str) -> GateRead:
    """One gate pair, or NotFound."""
    with uow:
        gate = uow.registry.get_gate(gate_id)
        if gate is None:
            raise NotFound(f"gate {gate_id!r} does not exist")
        permitted = {
            (gate_id, d): uow.registry.permitted_prefixes(gate_id=gate_id, direction=d)
            for d in model.DIRECTIONS
        }
        return _read(gate, permitted)


def _read(gate: GateRow, permitted: dict[tuple[str, str], set[str]]) -> GateRead:
    return GateRead(
        id=gate.id,
        name_vi=gate.name_vi,
        name_zh=gate.name_zh,
        name_en=gate.name_en,
        counterpart_vi=gate.counterpart_vi,
        province_vi=gate.province_vi,
        city_zh=gate.city_zh,
        gate_type=gate.gate_type,
        opening_hours=opening_hours(gate.open_utc, gate.close_utc, utcnow()),
        lanes=[LaneRead.model_validate(lane) for lane in gate.lanes],
        roads=[RoadRead.model_validate(road) for road in gate.roads],
        yards=[YardRead.model_validate(yard) for yard in gate.yards],
        permitted={d: sorted(permitted.get((gate.id, d), set())) for d in model.DIRECTIONS},
        quarantine_chapters=list(model.quarantine_chapters(gate.quarantine_chapters)),
    )


def opening_hours(open_utc, close_utc, now: datetime) -> OpeningHours:
    """The daily window in UTC and on both sides' clocks."""

    def on(tz) -> LocalHours:
        # Times carry their offset so clients never guess which clock they are on.
        offset = timezone(datetime(2024, 1, 1, tzinfo=tz).utcoffset())
        return LocalHours(
            opens=model.local_time_of_day(open_utc, tz).replace(tzinfo=offset),
            closes=model.local_time_of_day(close_utc, tz).replace(tzinfo=offset),
        )

    return OpeningHours(
        opens_utc=open_utc.replace(tzinfo=UTC),
        closes_utc=close_utc.replace(tzinfo=UTC),
        vn=on(VN_TZ),
        cn=on(CN_TZ),
        open_now=model.is_open(open_utc, close_utc, now),
    )


def search_hs(query: str, *, limit: int = 20) -> HSPage:
    """HS entries matching a code prefix or words (English, Vietnamese or Chinese)."""
    items = [
        HSRead(
            code=e.code,
            description=e.description,
            level=e.level,
            parent=e.parent,
            section=e.section,
            names_vi=e.names_vi,
            names_zh=e.names_zh,
        )
        for e in catalog().search(query, limit=limit)
    ]
    return HSPage(query=query, items=items)
