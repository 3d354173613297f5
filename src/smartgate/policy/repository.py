"""The only place that queries policy tables."""

from datetime import date, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from smartgate.policy.model import CapacityFigure, GateRules, Scope, Suspension
from smartgate.policy.tables import CapacityRow, GateRulesRow, SuspensionRow

RULE_FIELDS = tuple(GateRules.__dataclass_fields__)


class PolicyRepository:
    """Capacity figures, suspensions and gate rules."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def capacity(self, gate_id: str, direction: str) -> list[CapacityFigure]:
        """Every figure both sides declared for a gate and direction."""
        rows = self.session.scalars(
            select(CapacityRow).where(
                CapacityRow.gate_id == gate_id, CapacityRow.direction == direction
            )
        )
        return [CapacityFigure(r.side, r.lane, r.hour_utc, r.trucks_per_hour, r.day) for r in rows]

    def capacity_sources(self, gate_id: str, direction: str) -> list[tuple[str, str, datetime]]:
        """Who declared figures for a gate and direction: side, by whom, when last."""
        query = (
            select(CapacityRow.side, CapacityRow.declared_by, func.max(CapacityRow.declared_at))
            .where(CapacityRow.gate_id == gate_id, CapacityRow.direction == direction)
            .group_by(CapacityRow.side, CapacityRow.declared_by)
            .order_by(CapacityRow.side, func.max(CapacityRow.declared_at).desc())
        )
        return [(side, by, at) for side, by, at in self.session.execute(query)]

    def replace_capacity(
        self,
        *,
        gate_id: str,
        side: str,
        direction: str,
        lane: str,
        day: date | None,
        hours: dict[int, int],
        by: str,
        at: datetime,
    ) -> None:
        """Set one side's figures for the given UTC hours, replacing what was there."""
        self.session.execute(
            delete(CapacityRow).where(
                CapacityRow.gate_id == gate_id,
                CapacityRow.side == side,
                CapacityRow.direction == direction,
                CapacityRow.lane == lane,
                CapacityRow.day.is_(None) if day is None else CapacityRow.day == day,
                CapacityRow.hour_utc.in_(hours),
            )
        )
        self.session.add_all(
            CapacityRow(
                gate_id=gate_id,
                side=side,
                direction=direction,
                lane=lane,
                day=day,
                hour_utc=hour,
                trucks_per_hour=trucks,
                declared_by=by,
                declared_at=at,
            )
            for hour, trucks in hours.items()
        )

    def add_suspension(self, row: SuspensionRow) -> None:
        """Stage a new suspension."""
        self.session.add(row)
        self.session.flush()

    def suspension(self, suspension_id: int) -> SuspensionRow | None:
        """One suspension by id."""
        return self.session.get(SuspensionRow, suspension_id)

    def suspensions(self, *, gate_id: str | None = None, current_at: datetime | None = None):
        """Suspensions touching a gate (or every one), optionally only those not yet ended."""
        query = select(SuspensionRow).order_by(SuspensionRow.starts_at, SuspensionRow.id)
        if gate_id is not None:
            query = query.where(
                or_(SuspensionRow.gate_id.is_(None), SuspensionRow.gate_id == gate_id)
            )
        if current_at is not None:
            query = query.where(
                or_(SuspensionRow.ends_at.is_(None), SuspensionRow.ends_at > current_at)
            )
        return list(self.session.scalars(query))

    def stops(self, gate_id: str, *, current_at: datetime | None = None) -> list[Suspension]:
        """The suspensions touching a gate as rules to apply, optionally only those not ended."""
        return [
            Suspension(
                Scope(row.gate_id, row.direction, tuple(row.hs_prefixes), tuple(row.flags)),
                row.starts_at,
                row.ends_at,
                row.reason,
            )
            for row in self.suspensions(gate_id=gate_id, current_at=current_at)
        ]

    def rules(self, gate_id: str) -> GateRules:
        """A gate's queue rules, the defaults when its authority set none."""
        row = self.session.get(GateRulesRow, gate_id)
        if row is None:
            return GateRules()
        values = {name: getattr(row, name) for name in RULE_FIELDS}
        values["priority_order"] = tuple(values["priority_order"])
        return GateRules(**values)

    def save_rules(self, gate_id: str, rules: GateRules, *, by: str, at: datetime) -> None:
        """Store a gate's rules."""
        row = self.session.get(GateRulesRow, gate_id) or GateRulesRow(gate_id=gate_id)
        for name in RULE_FIELDS:
            value = getattr(rules, name)
            setattr(row, name, list(value) if name == "priority_order" else value)
        row.updated_by, row.updated_at = by, at
        self.session.add(row)
