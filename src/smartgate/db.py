"""Declarative base, portable column types, and engine / session factories."""

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    DateTime,
    Engine,
    Executable,
    MetaData,
    Table,
    TextClause,
    bindparam,
    create_engine,
    event,
    false,
    or_,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from smartgate.shared.actor import Scope
from smartgate.shared.clock import as_utc

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Requests run in at most this many threads at once (the API caps its thread pool to it).
POOL_SIZE = 20


class Base(DeclarativeBase):
    """Base of every table; constraint names are stable for migrations."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC datetimes on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, cross-thread use and serialized writes."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # One pooled connection per request thread (see POOL_SIZE): connections beyond the pool
    # were opened and closed per request, which cost PostgreSQL more than the queries did. No
    # pre-ping round trip per request either: after a database restart the first failing
    # request invalidates the whole pool, and the next ones reconnect.
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=5, pool_recycle=1800)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers outside a transaction (the CLI's) go on while a long import writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # The driver's own implicit BEGIN is switched off: _sqlite_begin_immediate says when.
    dbapi_connection.isolation_level = None


# An execution option of a session's connection: this transaction only reads.
READ_ONLY = "smartgate_read_only"


def _sqlite_begin_immediate(connection: Any) -> None:
    # SQLite ignores SELECT ... FOR UPDATE. Taking the write lock when a transaction begins
    # gives it what PostgreSQL's row locks give: a use-case that reads, checks and writes
    # (a booking's place and rate, a move's reschedule count, a truck's outcome) never acts
    # on a state another writer has changed since. Transactions queue for the lock (up to
    # the 30 s timeout) instead of failing with "database is locked" halfway. Units of work
    # that only read say so and take no lock.
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    connection.exec_driver_sql("BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE")


@lru_cache
def engine_for(url: str) -> Engine:
    """One engine per URL for the life of the process."""
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_postgresql(session: Session) -> bool:
    """True when the session talks to PostgreSQL (which some statements are written for)."""
    return session.get_bind().dialect.name == "postgresql"


def dialect_insert(session: Session):  # type: ignore[no-untyped-def]
    """The INSERT construct of the session's database, which knows ON CONFLICT."""
    return postgresql_insert if is_postgresql(session) else sqlite_insert


def json_rows_insert(table: Table, names: Sequence[str], parameter: str) -> str:
    """PostgreSQL: an INSERT of the rows (of these columns) that one JSON parameter carries,
    unpacked into the table's row type. Its text is the same whatever the number of rows."""
    columns = ", ".join(names)
    return (
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM "
        f"json_populate_recordset(NULL::{table.name}, CAST(:{parameter} AS json))"
    )


@lru_cache(maxsize=64)
def _rows_insert(table: Table, names: tuple[str, ...], suffix: str) -> TextClause:
    return text(json_rows_insert(table, names, "rows") + suffix)


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    statement: Executable,
    postgresql_suffix: str = "",
) -> CursorResult[Any]:
    """Insert rows (each with the first's keys) in one statement on the session's connection:
    `statement` run for each row, or on PostgreSQL one JSON parameter (then `postgresql_suffix`
    ends the INSERT, as `statement` ends its own). psycopg parses a many-row VALUES list anew
    for each statement: 17 ms of the client's time for a hundred camera reads, more than the
    insert."""
    connection = session.connection()
    if not is_postgresql(session):
        return connection.execute(statement, list(rows))
    values = {"rows": json.dumps(list(rows), default=str)}
    return connection.execute(_rows_insert(table, tuple(rows[0]), postgresql_suffix), values)


ScopeShape = tuple[bool, tuple[str, ...]]


def scope_shape(scope: Scope) -> ScopeShape:
    """What a prebuilt visibility filter depends on: everything, or which fields it matches."""
    return scope.everything, tuple(scope.terms())


def scope_values(scope: Scope) -> dict[str, Any]:
    """The parameters of a filter built by `visible_bound`."""
    return {f"scope_{field}": value for field, value in scope.terms().items()}


def visible(scope: Scope, table: Any) -> ColumnElement[bool]:
    """The scope as a SQL condition on a mapped table with owner_id, company and gate_id."""
    if scope.everything:
        return true()
    terms = [getattr(table, field) == value for field, value in scope.terms().items()]
    return or_(*terms) if terms else false()


def visible_bound(shape: ScopeShape, table: Any) -> ColumnElement[bool]:
    """Like `visible`, with the values left as parameters (`scope_values` fills them), so a
    statement is built once per shape: building it per call cost more than running it."""
    everything, fields = shape
    if everything:
        return true()
    terms = [getattr(table, field) == bindparam(f"scope_{field}") for field in fields]
    return or_(*terms) if terms else false()
