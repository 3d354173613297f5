"""The only place that queries registry tables."""

import time

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartgate.registry.tables import (
    FreightRoadRow,
    GateRow,
    LaneRow,
    PermittedGoodsRow,
    YardRow,
)

# Permitted-goods lists change a few times a year but are read by every declaration (a sixth of
# its cost on PostgreSQL); a minute's cache is refreshed at once when this process loads gates.
PERMITS_TTL_SECONDS = 60.0
_permits: dict[tuple[str, str, str], tuple[float, tuple[str, frozenset[str]] | None]] = {}


def forget_cached_permits() -> None:
    """Drop cached permitted-goods lists (after a reload, or between tests that roll back)."""
    _permits.clear()


class RegistryRepository:
    """Gates and what belongs to them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def list_gates(self) -> list[GateRow]:
        """All gate pairs, by slug."""
        return list(self.session.scalars(select(GateRow).order_by(GateRow.id)))

    def get_gate(self, gate_id: str) -> GateRow | None:
        """One gate pair or None."""
        return self.session.get(GateRow, gate_id)

    def lane_directions(self, gate_id: str) -> dict[str, str]:
        """The gate's crossing lanes by code, with the way each goes (one small statement: a
        camera read names its lane, and the whole gate would take four)."""
        query = select(LaneRow.code, LaneRow.direction).where(LaneRow.gate_id == gate_id)
        return {code: direction for code, direction in self.session.connection().execute(query)}

    def yard_codes(self, gate_id: str) -> set[str]:
        """The codes of the gate's cargo yards."""
        return set(self.session.scalars(select(YardRow.code).where(YardRow.gate_id == gate_id)))

    def gate_name(self, gate_id: str) -> str | None:
        """The gate's English name, or None when there is no such gate."""
        return self.session.scalar(select(GateRow.name_en).where(GateRow.id == gate_id))

    def permitted_prefixes(self, *, gate_id: str, direction: str) -> set[str]:
        """The HS prefixes permitted at a gate in one direction."""
        query = select(PermittedGoodsRow.hs_prefix).where(
            PermittedGoodsRow.gate_id == gate_id, PermittedGoodsRow.direction == direction
        )
        return set(self.session.scalars(query))

    def gate_permits(self, gate_id: str, direction: str) -> tuple[str, frozenset[str]] | None:
        """The gate's English name and permitted HS prefixes, or None when there is no gate."""
        key = (str(self.session.get_bind().engine.url), gate_id, direction)
        now = time.monotonic()
        cached = _permits.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        name = self.gate_name(gate_id)
        found = None
        if name is not None:
            prefixes = self.permitted_prefixes(gate_id=gate_id, direction=direction)
            found = (name, frozenset(prefixes))
        _permits[key] = (now + PERMITS_TTL_SECONDS, found)
        return found

    def permitted_by_gate(self) -> dict[tuple[str, str], set[str]]:
        """Every permitted prefix keyed by (gate, direction), for bulk validation."""
        result: dict[tuple[str, str], set[str]] = {}
        for row in self.session.scalars(select(PermittedGoodsRow)):
            result.setdefault((row.gate_id, row.direction), set()).add(row.hs_prefix)
        return result

    def replace_gate(
        self,
        gate: GateRow,
        *,
        roads: list[FreightRoadRow],
        lanes: list[LaneRow],
        yards: list[YardRow],
        permitted: list[PermittedGoodsRow],
    ) -> None:
        """Store a gate and everything under it, replacing what was there."""
        forget_cached_permits()
        for table in (PermittedGoodsRow, LaneRow, YardRow, FreightRoadRow):
            self.session.execute(delete(table).where(table.gate_id == gate.id))
        stored = self.session.merge(gate)
        self.session.flush()
        self.session.add_all([*roads, *yards, *permitted])
        self.session.flush()
        self.session.add_all(lanes)
        self.session.flush()
        self.session.expire(stored)  # reload its lanes, yards and roads on next access
