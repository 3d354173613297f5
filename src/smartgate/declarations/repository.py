"""The only place that queries declaration tables."""

import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    String,
    Table,
    TextClause,
    any_,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from smartgate.db import (
    ScopeShape,
    is_postgresql,
    json_rows_insert,
    scope_shape,
    scope_values,
    visible,
    visible_bound,
)
from smartgate.declarations.model import Trip, TripGoods
from smartgate.declarations.plates import plate_key
from smartgate.declarations.tables import ContainerRow, DeclarationRow, GoodsLineRow, HistoryRow
from smartgate.shared.actor import Actor
from smartgate.shared.clock import as_utc


@dataclass(frozen=True)
class DeclarationFilter:
    """What a list of declarations may be narrowed by."""

    gate_id: str | None = None
    direction: str | None = None
    status: str | None = None
    plate: str | None = None
    arriving_from: datetime | None = None
    arriving_to: datetime | None = None
    # Part of a tractor plate as people type it (any case, with or without - and .).
    plate_part: str | None = None


# Core inserts built once: the ORM's flush was half the cost of a declaration.
_NEW = ("declarations", "containers", "goods", "history")
_NEW_TABLES = tuple(t.__table__ for t in (DeclarationRow, ContainerRow, GoodsLineRow, HistoryRow))
_INSERTS = tuple(insert(table) for table in _NEW_TABLES)


def _insert_all_postgresql() -> TextClause:
    # Each row list travels as one JSON parameter that PostgreSQL unpacks into its table; the
    # child rows' foreign keys are checked at the end of the statement, when the declaration
    # exists. One round trip instead of four, whatever the number of declarations.
    def insert_from_json(table: Table, parameter: str) -> str:
        names = [c.name for c in table.c if c is not table.autoincrement_column]
        return json_rows_insert(table, names, parameter)

    inserts = [insert_from_json(t, name) for t, name in zip(_NEW_TABLES, _NEW, strict=True)]
    steps = ", ".join(f"step_{i} AS ({sql})" for i, sql in enumerate(inserts[:-1]))
    return text(f"WITH {steps} {inserts[-1]}")


_INSERT_ALL_POSTGRESQL = _insert_all_postgresql()


@dataclass(frozen=True)
class TripState:
    """Where a trip is, as its steps need to know."""

    id: uuid.UUID
    gate_id: str
    status: str
    held_from: str | None
    tractor_plate: str
    owner_id: int


_DECLARATIONS = DeclarationRow.__table__
_TRIP_STATE = (
    select(
        _DECLARATIONS.c.id, _DECLARATIONS.c.gate_id, _DECLARATIONS.c.status,
        _DECLARATIONS.c.held_from, _DECLARATIONS.c.tractor_plate, _DECLARATIONS.c.owner_id,
    )
    .where(_DECLARATIONS.c.id == bindparam("id"))
    .with_for_update()
)  # fmt: skip
# The same for several trips, locked in the order of their ids: two units of work locking some
# of the same trips then never wait on each other in a circle.
_TRIP_STATES = (
    select(*_TRIP_STATE.selected_columns)
    .where(_DECLARATIONS.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_DECLARATIONS.c.id)
    .with_for_update()
)
_SET_STATUS = (
    update(_DECLARATIONS)
    .where(_DECLARATIONS.c.id == bindparam("trip"))
    .values(
        status=bindparam("new_status"),
        status_reason=bindparam("reason"),
        held_from=bindparam("resumes_at"),
        updated_at=bindparam("at"),
    )
)

_MOVE_FROM = _SET_STATUS.where(_DECLARATIONS.c.status == bindparam("before")).returning(
    _DECLARATIONS.c.gate_id
)
# The same for many trips in one statement, each with its own step (PostgreSQL: a camera batch
# moves a hundred trips, and a round trip each cost more than the move).
_MOVE_ALL_FROM_POSTGRESQL = text(
    "UPDATE declarations AS d SET status = m.status, status_reason = m.reason,"
    " held_from = NULL, updated_at = m.at"
    " FROM unnest(CAST(:trips AS uuid[]), CAST(:befores AS varchar[]),"
    " CAST(:statuses AS varchar[]), CAST(:reasons AS varchar[]), CAST(:ats AS timestamptz[]))"
    " AS m (id, before, status, reason, at)"
    " WHERE d.id = m.id AND d.status = m.before"
    " RETURNING d.id, d.gate_id"
)


@dataclass(frozen=True)
class Move:
    """A trip's step from where it should be: `before` to `status`."""

    trip: uuid.UUID
    before: str
    status: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class ExpectedTrip:
    """A trip a gate's cameras may read: its plate, where it goes, when, where it is now."""

    id: uuid.UUID
    plate: str
    direction: str
    expected_arrival: datetime
    status: str
    containers: tuple[str, ...]
    skeleton: str  # the plate as cameras cannot tell it apart (matching.skeleton)


_CONTAINERS = ContainerRow.__table__


def _expected(skeleton_is_wanted: ColumnElement[bool]) -> Select:
    # A trip per row, or a row per container it carries: one statement, whatever the number.
    return (
        select(
            _DECLARATIONS.c.id, _DECLARATIONS.c.tractor_plate, _DECLARATIONS.c.direction,
            _DECLARATIONS.c.expected_arrival, _DECLARATIONS.c.status,
            _DECLARATIONS.c.plate_skeleton, _CONTAINERS.c.number,
        )
        .select_from(
            _DECLARATIONS.outerjoin(_CONTAINERS, _CONTAINERS.c.declaration_id == _DECLARATIONS.c.id)
        )
        .where(
            _DECLARATIONS.c.gate_id == bindparam("gate_id"),
            _DECLARATIONS.c.status.in_(bindparam("statuses", expanding=True)),
            skeleton_is_wanted,
        )
    )  # fmt: skip


# PostgreSQL takes the skeletons as one array: the near ones of a read are a few hundred, and a
# placeholder each cost more to write and parse than the query took to run.
_EXPECTED_POSTGRESQL = _expected(
    _DECLARATIONS.c.plate_skeleton == any_(bindparam("skeletons", type_=ARRAY(String)))
)
_EXPECTED = _expected(_DECLARATIONS.c.plate_skeleton.in_(bindparam("skeletons", expanding=True)))
# Skeletons per statement: a statement holds at most 32,766 parameters on SQLite.
SKELETONS_AT_ONCE = 5_000


class DeclarationRepository:
    """Declarations, scoped to what an actor may see."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def insert_new(
        self,
        *,
        declarations: list[dict[str, Any]],
        containers: list[dict[str, Any]],
        goods: list[dict[str, Any]],
        history: list[dict[str, Any]],
    ) -> None:
        """Insert new declarations with their containers, goods lines and first history
        entries: on PostgreSQL in one statement, elsewhere one per table."""
        tables = (declarations, containers, goods, history)
        if is_postgresql(self.session):
            values = {
                name: json.dumps(rows, default=str) for name, rows in zip(_NEW, tables, strict=True)
            }
            self.session.execute(_INSERT_ALL_POSTGRESQL, values)
            return
        for statement, rows in zip(_INSERTS, tables, strict=True):
            if rows:
                self.session.execute(statement, rows)

    def add_history(self, entries: list[HistoryRow]) -> None:
        """Stage history entries."""
        self.session.add_all(entries)

    def get_visible(self, declaration_id: uuid.UUID, actor: Actor) -> DeclarationRow | None:
        """The declaration if it exists and `actor` may see it."""
        query = _visible_by_id(scope_shape(actor.scope))
        return self.session.scalar(query, _lookup(declaration_id, actor))

    def trip(self, declaration_id: uuid.UUID, actor: Actor) -> Trip | None:
        """The declared trip as the queue sees it, if it exists and `actor` may see it: one
        statement, no ORM objects (the queue reads a trip on every booking and arrival)."""
        query = _visible_trip(scope_shape(actor.scope))
        # Run on the session's connection: rows of plain columns need none of the ORM's
        # statement handling, which costs about a third of the call.
        rows = self.session.connection().execute(query, _lookup(declaration_id, actor)).all()
        return _as_trip(rows) if rows else None

    def trips(self, declaration_ids: list[uuid.UUID], actor: Actor) -> dict[uuid.UUID, Trip]:
        """The declared trips among `declaration_ids` that `actor` may see, in one statement."""
        trip, line = DeclarationRow, GoodsLineRow
        lines: dict[uuid.UUID, list[Any]] = {}
        # In batches: a statement holds at most 32,766 parameters on SQLite, 65,535 on
        # PostgreSQL, and a busy gate's fortnight of bookings can pass either.
        for first in range(0, len(declaration_ids), TRIPS_AT_ONCE):
            batch = declaration_ids[first : first + TRIPS_AT_ONCE]
            query = (
                select(*_TRIP_COLUMNS)
                .join(line, line.declaration_id == trip.id)
                .where(visible(actor.scope, DeclarationRow), trip.id.in_(batch))
                .order_by(trip.id, line.line_no)
            )
            for row in self.session.execute(query):
                lines.setdefault(row[0], []).append(row)
        return {trip_id: _as_trip(rows) for trip_id, rows in lines.items()}

    def get_for_update(self, declaration_id: uuid.UUID, actor: Actor) -> DeclarationRow | None:
        """Like get_visible, locking the row so two amendments never interleave."""
        query = (
            _visible_to(select(DeclarationRow), actor)
            .where(DeclarationRow.id == declaration_id)
            .with_for_update()
        )
        return self.session.scalar(query)

    def by_ids(
        self, declaration_ids: list[uuid.UUID], *, fresh: bool = False
    ) -> list[DeclarationRow]:
        """These declarations, with their lines (for logs and exports); `fresh` reads them
        again even where this session holds them (a bulk statement moved them since)."""
        if not declaration_ids:
            return []
        query = select(DeclarationRow).where(DeclarationRow.id.in_(declaration_ids))
        if fresh:
            query = query.execution_options(populate_existing=True)
        return list(self.session.scalars(query))

    def expected_at_gate(
        self, gate_id: str, statuses: frozenset[str], skeletons: Collection[str]
    ) -> list[ExpectedTrip]:
        """The trips in these states at a gate whose plates fold to one of `skeletons`, as a
        camera may read them (plain columns on the session's connection: every camera read
        that is not a later frame of a matched passage asks)."""
        wanted = sorted(set(skeletons))
        query = _EXPECTED_POSTGRESQL if is_postgresql(self.session) else _EXPECTED
        trips: dict[uuid.UUID, Any] = {}
        numbers: dict[uuid.UUID, list[str]] = {}
        for first in range(0, len(wanted), SKELETONS_AT_ONCE):
            values = {
                "gate_id": gate_id,
                "statuses": sorted(statuses),
                "skeletons": wanted[first : first + SKELETONS_AT_ONCE],
            }
            for row in self.session.connection().execute(query, values):
                trips[row.id] = row
                if row.number is not None:
                    numbers.setdefault(row.id, []).append(row.number)
        return [
            ExpectedTrip(r.id, r.tractor_plate, r.direction, r.expected_arrival, r.status,
                         tuple(numbers.get(r.id, ())), r.plate_skeleton)
            for r in trips.values()
        ]  # fmt: skip

    def trip_state(self, declaration_id: uuid.UUID) -> TripState | None:
        """Where a trip is, its row locked until the unit of work ends: every booking, call
        and camera read asks, so plain columns on the session's connection, no ORM object."""
        row = self.session.connection().execute(_TRIP_STATE, {"id": declaration_id}).first()
        return None if row is None else TripState(*row)

    def lock_trips(self, declaration_ids: Collection[uuid.UUID]) -> list[TripState]:
        """Where these trips are, their rows locked until the unit of work ends (in one
        statement, in the order of their ids)."""
        found = self.session.connection().execute(_TRIP_STATES, {"ids": sorted(declaration_ids)})
        return [TripState(*row) for row in found]

    def move_from(
        self,
        declaration_id: uuid.UUID,
        before: str,
        status: str,
        *,
        reason: str | None,
        at: datetime,
    ) -> str | None:
        """Move a trip that is `before` to `status` in one statement; its gate, or None when it
        was not `before` (nothing changed)."""
        gate_id = self.session.connection().execute(
            _MOVE_FROM,
            {"trip": declaration_id, "before": before, "new_status": status, "reason": reason,
             "resumes_at": None, "at": at},
        ).scalar()  # fmt: skip
        if gate_id is not None:
            self._forget_status(declaration_id)
        return gate_id

    def move_all_from(self, moves: Sequence[Move]) -> dict[uuid.UUID, str]:
        """Move each trip that is where its move starts (as move_from does, no trip twice);
        the gate of each trip moved."""
        if not is_postgresql(self.session) or len(moves) < 2:
            moved = {
                m.trip: self.move_from(m.trip, m.before, m.status, reason=m.reason, at=m.at)
                for m in moves
            }
            return {trip: gate_id for trip, gate_id in moved.items() if gate_id is not None}
        found = self.session.connection().execute(
            _MOVE_ALL_FROM_POSTGRESQL,
            {
                "trips": [m.trip for m in moves],
                "befores": [m.before for m in moves],
                "statuses": [m.status for m in moves],
                "reasons": [m.reason for m in moves],
                "ats": [as_utc(m.at) for m in moves],
            },
        )
        moved = {trip: gate_id for trip, gate_id in found}
        for trip in moved:
            self._forget_status(trip)
        return moved

    def set_status(
        self,
        declaration_id: uuid.UUID,
        status: str,
        *,
        reason: str | None,
        held_from: str | None,
        at: datetime,
    ) -> None:
        """Move a trip (checked by the caller under trip_state's lock)."""
        self.session.connection().execute(
            _SET_STATUS,
            {
                "trip": declaration_id,
                "new_status": status,
                "reason": reason,
                "resumes_at": held_from,
                "at": at,
            },
        )
        self._forget_status(declaration_id)

    def _forget_status(self, declaration_id: uuid.UUID) -> None:
        # A copy of the row this session already holds reads the new status next time.
        key = self.session.identity_key(DeclarationRow, declaration_id)
        loaded = self.session.identity_map.get(key)
        if loaded is not None:
            self.session.expire(loaded, ["status", "status_reason", "held_from", "updated_at"])

    def page(
        self, actor: Actor, *, filters: DeclarationFilter, limit: int, offset: int
    ) -> tuple[list[DeclarationRow], int]:
        """One page of visible declarations, newest first, and the total count."""
        query = _filtered(_visible_to(select(DeclarationRow), actor), filters)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(DeclarationRow.created_at.desc(), DeclarationRow.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total

    def history(self, declaration_id: uuid.UUID) -> list[HistoryRow]:
        """Every change to a declaration, oldest first."""
        query = (
            select(HistoryRow)
            .where(HistoryRow.declaration_id == declaration_id)
            .order_by(HistoryRow.seq)
        )
        return list(self.session.scalars(query))

    def last_seq(self, declaration_id: uuid.UUID) -> int:
        """The number of the latest history entry (0 when none)."""
        query = select(func.max(HistoryRow.seq)).where(HistoryRow.declaration_id == declaration_id)
        return self.session.scalar(query) or 0


@lru_cache
def _visible_by_id(shape: ScopeShape) -> Select:
    # Built once per kind of scope, with the actor's values as parameters: building the query
    # on every call cost more than running it.
    query = select(DeclarationRow).where(visible_bound(shape, DeclarationRow))
    return query.where(DeclarationRow.id == bindparam("declaration_id"))


TRIPS_AT_ONCE = 5_000

# A trip as the queue sees it: the declaration's columns, then each goods line's four.
_TRIP_COLUMNS = (
    DeclarationRow.id, DeclarationRow.gate_id, DeclarationRow.direction,
    DeclarationRow.tractor_plate, DeclarationRow.status, DeclarationRow.owner_id,
    DeclarationRow.company, DeclarationRow.delivery_mode, DeclarationRow.expected_arrival,
    GoodsLineRow.hs_code, GoodsLineRow.perishable, GoodsLineRow.cold_chain,
    GoodsLineRow.production_input,
)  # fmt: skip


def _as_trip(rows: Sequence[Any]) -> Trip:
    """A trip from its rows of _TRIP_COLUMNS, one per goods line."""
    return Trip(*rows[0][:-4], goods=tuple(TripGoods(*row[-4:]) for row in rows))


@lru_cache
def _visible_trip(shape: ScopeShape) -> Select:
    trip, line = DeclarationRow, GoodsLineRow
    query = select(*_TRIP_COLUMNS).join(line, line.declaration_id == trip.id)
    query = query.where(
        visible_bound(shape, DeclarationRow), trip.id == bindparam("declaration_id")
    )
    return query.order_by(line.line_no)


def _lookup(declaration_id: uuid.UUID, actor: Actor) -> dict[str, Any]:
    return {"declaration_id": declaration_id, **scope_values(actor.scope)}


def _visible_to(query: Select, actor: Actor) -> Select:
    return query.where(visible(actor.scope, DeclarationRow))


def _filtered(query: Select, f: DeclarationFilter) -> Select:
    conditions = [
        DeclarationRow.gate_id == f.gate_id if f.gate_id else None,
        DeclarationRow.direction == f.direction if f.direction else None,
        DeclarationRow.status == f.status if f.status else None,
        DeclarationRow.tractor_plate == f.plate if f.plate else None,
        DeclarationRow.expected_arrival >= f.arriving_from if f.arriving_from else None,
        DeclarationRow.expected_arrival < f.arriving_to if f.arriving_to else None,
        _plate_holds(plate_key(f.plate_part)) if f.plate_part else None,
    ]
    return query.where(*[c for c in conditions if c is not None])


def _plate_holds(key: str) -> ColumnElement[bool]:
    # Plates are stored upper case with their separators; the key has neither, so the column
    # loses its separators for the comparison (a scan, of the rows the actor may see).
    bare = func.replace(func.replace(DeclarationRow.tractor_plate, "-", ""), ".", "")
    return bare.contains(key, autoescape=True)
