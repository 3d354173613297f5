"""The only place that queries the operations tables: camera reads, inspections, yard visits
and the audit log."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartgate.operations.tables import AuditRow, GateEventRow, InspectionRow, YardVisitRow

_AUDIT = AuditRow.__table__
_ADD_AUDIT = insert(_AUDIT)


class OperationsRepository:
    """Reads and writes of one unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- audit -------------------------------------------------------------------------

    def audit(self, entries: Sequence[dict[str, Any]]) -> None:
        """Append entries to the log (one statement, in the caller's transaction)."""
        # Core on the session's connection: a step is written on every booking and call.
        if len(entries) == 1:
            self.session.connection().execute(_ADD_AUDIT, entries[0])
        elif entries:
            self.session.connection().execute(_ADD_AUDIT, list(entries))

    def audit_entries(
        self,
        *,
        gate_id: str | None = None,
        declaration_id: uuid.UUID | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[AuditRow]:
        """Log entries, oldest first, by gate and trip."""
        query = select(AuditRow)
        if gate_id is not None:
            query = query.where(AuditRow.gate_id == gate_id)
        if declaration_id is not None:
            query = query.where(AuditRow.declaration_id == declaration_id)
        return list(self.session.scalars(query.order_by(AuditRow.id).limit(limit).offset(offset)))

    def steps_of(self, declaration_ids: Sequence[uuid.UUID]) -> list[AuditRow]:
        """The trip steps of these declarations, in order."""
        if not declaration_ids:
            return []
        query = (
            select(AuditRow)
            .where(AuditRow.subject == "trip", AuditRow.declaration_id.in_(declaration_ids))
            .order_by(AuditRow.id)
        )
        return list(self.session.scalars(query))

    def exits_between(
        self, gate_id: str, start: datetime, end: datetime
    ) -> list[tuple[uuid.UUID, datetime]]:
        """The trips that crossed the zero line at this gate in [start, end), with when."""
        query = (
            select(AuditRow.declaration_id, AuditRow.at)
            .where(
                AuditRow.gate_id == gate_id,
                AuditRow.subject == "trip",
                AuditRow.action == "trip.exited",
                AuditRow.at >= start,
                AuditRow.at < end,
            )
            .order_by(AuditRow.at)
        )
        return [(row[0], row[1]) for row in self.session.execute(query)]

    # --- camera reads --------------------------------------------------------------------

    def add_event(self, row: GateEventRow) -> bool:
        """Store a read; False when the camera already sent this event (nothing stored)."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return False
        return True

    def event_by_key(self, gate_id: str, camera_id: str, event_id: str) -> GateEventRow | None:
        """A stored read by the camera's own id for it."""
        return self.session.scalar(
            select(GateEventRow).where(
                GateEventRow.gate_id == gate_id,
                GateEventRow.camera_id == camera_id,
                GateEventRow.event_id == event_id,
            )
        )

    def event_for_update(self, event_id: int) -> GateEventRow | None:
        """A stored read, locked."""
        query = select(GateEventRow).where(GateEventRow.id == event_id).with_for_update()
        return self.session.scalar(query)

    def passage_reads(
        self, gate_id: str, point: str, lane: str | None, since: datetime, until: datetime
    ) -> list[GateEventRow]:
        """Reads at this point (and lane) in a time window, oldest first: a passage's frames."""
        query = select(GateEventRow).where(
            GateEventRow.gate_id == gate_id,
            GateEventRow.point == point,
            GateEventRow.at >= since,
            GateEventRow.at <= until,
        )
        if lane is not None:
            query = query.where(GateEventRow.lane == lane)
        return list(self.session.scalars(query.order_by(GateEventRow.id)))

    def in_review(self, gate_id: str, limit: int = 200) -> list[GateEventRow]:
        """The reads an operator must look at, oldest first."""
        query = (
            select(GateEventRow)
            .where(GateEventRow.gate_id == gate_id, GateEventRow.status == "review")
            .order_by(GateEventRow.at, GateEventRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def settle_passage(
        self, passage_id: int, declaration_id: uuid.UUID | None, **values: Any
    ) -> None:
        """Every read still in review of one passage takes the passage's outcome."""
        self.session.execute(
            update(GateEventRow)
            .where(GateEventRow.passage_id == passage_id, GateEventRow.status == "review")
            .values(declaration_id=declaration_id, **values)
        )

    # --- inspections ---------------------------------------------------------------------

    def add_inspection(self, row: InspectionRow) -> None:
        """Store one agency's decision."""
        self.session.add(row)
        self.session.flush()

    def inspections_of(self, declaration_id: uuid.UUID) -> list[InspectionRow]:
        """Every decision on a trip, oldest first."""
        query = (
            select(InspectionRow)
            .where(InspectionRow.declaration_id == declaration_id)
            .order_by(InspectionRow.id)
        )
        return list(self.session.scalars(query))

    # --- yards ---------------------------------------------------------------------------

    def open_visit(self, declaration_id: uuid.UUID) -> YardVisitRow | None:
        """The yard a trip is in now, if any."""
        query = select(YardVisitRow).where(
            YardVisitRow.declaration_id == declaration_id, YardVisitRow.left_at.is_(None)
        )
        return self.session.scalar(query)

    def add_visit(self, row: YardVisitRow) -> None:
        """A truck entered a yard."""
        self.session.add(row)
