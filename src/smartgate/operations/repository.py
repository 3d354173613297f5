"""The only place that queries the operations tables: camera reads, inspections, yard visits
and the audit log."""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from smartgate.db import dialect_insert, insert_rows
from smartgate.operations.tables import (
    AuditRow,
    GateEventRow,
    HandoverRow,
    InspectionRow,
    TariffRow,
    YardVisitRow,
)

_AUDIT = AuditRow.__table__
_ADD_AUDIT = insert(_AUDIT)
_EVENTS = GateEventRow.__table__
# A read's columns but for who settled it and when, which camera work never asks.
_READ = [column for column in _EVENTS.c if column.name not in ("resolved_by", "resolved_at")]
_READS_BETWEEN = (
    select(*_READ)
    .where(
        _EVENTS.c.gate_id == bindparam("gate_id"),
        _EVENTS.c.point == bindparam("point"),
        _EVENTS.c.at.between(bindparam("since"), bindparam("until")),
    )
    .order_by(_EVENTS.c.id)
)
_LINK_PASSAGE = (
    update(_EVENTS).where(_EVENTS.c.id == bindparam("read")).values(passage_id=bindparam("passage"))
)


_ADD_EVENTS_POSTGRESQL = (
    " ON CONFLICT (gate_id, camera_id, event_id) DO NOTHING"
    " RETURNING id, gate_id, camera_id, event_id"
)


@cache
def _add_events(dialect_insert: Any) -> Any:
    # Built once per database kind (each writes its own ON CONFLICT).
    events = _EVENTS.c
    return (
        dialect_insert(_EVENTS)
        .on_conflict_do_nothing(index_elements=[events.gate_id, events.camera_id, events.event_id])
        .returning(events.id, events.gate_id, events.camera_id, events.event_id)
    )


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
            insert_rows(self.session, _AUDIT, entries, _ADD_AUDIT)

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

    def add_events(self, rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str, str], int]:
        """Store reads in one statement; the id of each by its key (gate, camera, event id),
        without those a concurrent request stored first (nothing of them is stored)."""
        # ON CONFLICT DO NOTHING, not a savepoint and an INSERT that may fail: one round trip.
        statement = _add_events(dialect_insert(self.session))
        stored = insert_rows(self.session, _EVENTS, rows, statement, _ADD_EVENTS_POSTGRESQL)
        return {(row.gate_id, row.camera_id, row.event_id): row.id for row in stored}

    def events_by_keys(
        self, gate_id: str, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str, str], Row[Any]]:
        """Stored reads of a gate by their cameras' (camera id, event id), as `reads_between`
        gives them."""
        query = select(*_READ).where(
            _EVENTS.c.gate_id == gate_id,
            tuple_(_EVENTS.c.camera_id, _EVENTS.c.event_id).in_(sorted(keys)),
        )
        found = self.session.connection().execute(query)
        return {(row.gate_id, row.camera_id, row.event_id): row for row in found}

    def event_for_update(self, event_id: int) -> GateEventRow | None:
        """A stored read, locked."""
        query = select(GateEventRow).where(GateEventRow.id == event_id).with_for_update()
        return self.session.scalar(query)

    def reads_between(
        self, gate_id: str, point: str, since: datetime, until: datetime
    ) -> list[Any]:
        """Stored reads at this point of a gate in a span of time, oldest first, as plain
        columns (not who settled them): the frames new reads' passages may join (and a
        camera's repeats)."""
        values = {"gate_id": gate_id, "point": point, "since": since, "until": until}
        return list(self.session.connection().execute(_READS_BETWEEN, values))

    def in_review(self, gate_id: str, limit: int = 200) -> list[GateEventRow]:
        """The reads an operator must look at, oldest first."""
        query = (
            select(GateEventRow)
            .where(GateEventRow.gate_id == gate_id, GateEventRow.status == "review")
            .order_by(GateEventRow.at, GateEventRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def link_passages(self, links: Sequence[tuple[int, int]]) -> None:
        """Name the passage of new reads, as (read id, passage id): the first read of a
        passage names it by its own id, which is known only once it is stored."""
        values = [{"read": read, "passage": passage} for read, passage in links]
        self.session.connection().execute(_LINK_PASSAGE, values)

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
        return self.inspections_of_trips([declaration_id]).get(declaration_id, [])

    def inspections_of_trips(
        self, declaration_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[InspectionRow]]:
        """Every decision on each of these trips, oldest first (trips with none are left
        out), in one statement."""
        query = (
            select(InspectionRow)
            .where(InspectionRow.declaration_id.in_(declaration_ids))
            .order_by(InspectionRow.id)
        )
        found: dict[uuid.UUID, list[InspectionRow]] = {}
        for row in self.session.scalars(query):
            found.setdefault(row.declaration_id, []).append(row)
        return found

    # --- tariffs -------------------------------------------------------------------------

    def tariff_row(self, gate_id: str) -> TariffRow | None:
        """The tariff a gate's authority set in the app, if any."""
        return self.session.get(TariffRow, gate_id)

    def save_tariff(self, row: TariffRow) -> None:
        """Set a gate's tariff (replacing one set before)."""
        self.session.merge(row)

    def drop_tariff(self, gate_id: str) -> None:
        """Go back to the shipped tariff."""
        row = self.session.get(TariffRow, gate_id)
        if row is not None:
            self.session.delete(row)

    # --- handovers -----------------------------------------------------------------------

    def add_handover(self, row: HandoverRow) -> None:
        """Record how a truck's cargo crossed the line."""
        self.session.add(row)
        self.session.flush()

    # --- yards ---------------------------------------------------------------------------

    def open_visit(self, declaration_id: uuid.UUID) -> YardVisitRow | None:
        """The trip's stay in a yard now, if it is in one."""
        return self.open_visits_of({declaration_id}).get(declaration_id)

    def open_visits_of(
        self, declaration_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, YardVisitRow]:
        """The stays in a yard now of those of these trips that are in one."""
        query = select(YardVisitRow).where(
            YardVisitRow.declaration_id.in_(list(declaration_ids)), YardVisitRow.left_at.is_(None)
        )
        return {visit.declaration_id: visit for visit in self.session.scalars(query)}

    def add_visit(self, row: YardVisitRow) -> None:
        """A truck entered a yard."""
        self.session.add(row)

    def open_visits(self, gate_id: str) -> list[YardVisitRow]:
        """The trucks in the gate's yards now, longest there first."""
        query = select(YardVisitRow).where(
            YardVisitRow.gate_id == gate_id, YardVisitRow.left_at.is_(None)
        )
        return list(self.session.scalars(query.order_by(YardVisitRow.entered_at)))

    def visits_left_since(self, gate_id: str, since: datetime) -> list[YardVisitRow]:
        """The stays at the gate's yards that ended since `since`."""
        query = select(YardVisitRow).where(
            YardVisitRow.gate_id == gate_id, YardVisitRow.left_at >= since
        )
        return list(self.session.scalars(query))
